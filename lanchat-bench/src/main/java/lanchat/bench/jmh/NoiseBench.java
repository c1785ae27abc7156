package lanchat.bench.jmh;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import lanchat.api.Identity;
import lanchat.security.noise.CipherState;
import lanchat.security.noise.NoiseCipher;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;
import lanchat.security.noise.SignedStaticKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Noise transport messages ({@link CipherState}, from the JDK) with the ByteBuffer calls the {@code NoiseCipherCodec}
 * makes, on heap buffers like the codec, for both transport ciphers: ChaChaPoly (libp2p's {@code /noise}, and the
 * netty transport with an older peer) and AESGCM (the netty transport between current nodes); see
 * {@link NoiseHandshakeBench} for the handshake.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NoiseBench {
    /** 65519 = the largest Noise plaintext: what a 64 KiB write becomes (plus a 17-byte remainder). */
    @Param({"32", "65519"})
    public int size;

    /** The transport cipher, by its Noise name: both ends offer it. */
    @Param({"ChaChaPoly", "AESGCM"})
    public String cipher;

    private CipherState sender, receiver;
    private ByteBuffer plain, sealed, opened;
    private final Identity alice = Identity.generate(), bob = Identity.generate();

    @Setup(Level.Iteration)
    public void setUp() throws Exception {
        NoiseCipher c = cipher.equals("AESGCM") ? NoiseCipher.AES_GCM : NoiseCipher.CHACHA_POLY;
        NoiseResult[] r = handshakeOnce(alice, bob, c);
        if (r[0].transportCipher() != c) throw new IllegalStateException("the handshake settled on " + r[0].transportCipher());
        sender = r[0].sender();
        receiver = r[1].receiver();
        plain = ByteBuffer.allocate(size);
        sealed = ByteBuffer.allocate(size + 16);
        opened = ByteBuffer.allocate(size);
    }

    /** A handshake as libp2p's {@code /noise} makes it: fresh static keys, ChaChaPoly. */
    static NoiseResult[] handshakeOnce(Identity a, Identity b) throws Exception {
        NoiseHandshake i = NoiseHandshake.initiator(a, b.peerId(), List.of());
        NoiseHandshake r = NoiseHandshake.responder(b, List.of());
        r.readMessage(i.writeMessage());
        i.readMessage(r.writeMessage());
        r.readMessage(i.writeMessage());
        return new NoiseResult[] {i.result(), r.result()};
    }

    static NoiseResult[] handshakeOnce(Identity a, Identity b, NoiseCipher c) throws Exception {
        NoiseHandshake i = NoiseHandshake.of(true, SignedStaticKey.generate(a), b.peerId(), List.of(), c);
        NoiseHandshake r = NoiseHandshake.of(false, SignedStaticKey.generate(b), null, List.of(), c);
        r.readMessage(i.writeMessage());
        i.readMessage(r.writeMessage());
        r.readMessage(i.writeMessage());
        return new NoiseResult[] {i.result(), r.result()};
    }

    @Benchmark
    public int encrypt() throws Exception {
        plain.clear();
        sealed.clear();
        return sender.encrypt(plain, sealed);
    }

    /** Encrypt, then decrypt with the peer's cipher state (decrypt alone = this minus {@link #encrypt}). */
    @Benchmark
    public int encryptDecrypt() throws Exception {
        plain.clear();
        sealed.clear();
        sender.encrypt(plain, sealed);
        sealed.flip();
        opened.clear();
        return receiver.decrypt(sealed, opened);
    }
}
