package lanchat.bench.jmh;

import java.util.concurrent.TimeUnit;

import lanchat.api.Identity;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * One Noise XX handshake with the libp2p payload, both sides in memory: two X25519 key pairs, three DH on each side,
 * one Ed25519 signature and one verification on each side, SHA-256/HKDF. The CPU part of every connection setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NoiseHandshakeBench {
    private final Identity alice = Identity.generate(), bob = Identity.generate();

    @Benchmark
    public Object handshake() throws Exception {
        return NoiseBench.handshakeOnce(alice, bob);
    }
}
