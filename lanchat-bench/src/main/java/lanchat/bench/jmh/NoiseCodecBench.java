package lanchat.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import lanchat.api.Identity;
import lanchat.security.noise.NoiseCipher;
import lanchat.security.noise.netty.NoiseCipherCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Noise cipher codec's outbound path as the netty transport drives it in a transfer: four Data frames (each a
 * composite of a 10-byte header and a chunk, as {@code ChannelFrames.encode} writes it) written, then one flush that
 * seals them as one 64 KiB Noise message (AESGCM). Measures what {@link NoiseBench#encrypt} leaves out: composing
 * the writes into the frame's plaintext (the codec's {@code SealQueue}; Netty's own queue copied a writer's composite
 * on every write that joined it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NoiseCodecBench {
    private static final int HEADER = 10;

    /** Plaintext bytes per flush: four chunks and their headers fill one Noise message (65519). */
    @Param({"65519"})
    public int size;

    private EmbeddedChannel channel;
    private byte[] chunk;
    private final Identity alice = Identity.generate(), bob = Identity.generate();

    @Setup(Level.Iteration)
    public void setUp() throws Exception {
        chunk = new byte[size / 4 - HEADER];
        channel = new EmbeddedChannel(new NoiseCipherCodec(NoiseBench.handshakeOnce(alice, bob, NoiseCipher.AES_GCM)[0]));
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** One flush of four Data frames: one Noise message of (about) {@link #size} bytes. */
    @Benchmark
    public int sealFourDataFrames() {
        for (int i = 0; i < 4; i++) {
            ByteBuf header = channel.alloc().buffer(HEADER).writeZero(HEADER);
            channel.write(channel.alloc().compositeBuffer(2).addComponents(true, header, Unpooled.wrappedBuffer(chunk)));
        }
        channel.flush();
        int sealed = 0;
        for (ByteBuf frame; (frame = channel.readOutbound()) != null; ) {
            sealed += frame.readableBytes();
            frame.release();
        }
        return sealed;
    }
}
