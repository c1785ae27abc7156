package lanchat.bench.jmh;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import lanchat.transport.libp2p.yamux.YamuxFrame;
import lanchat.transport.libp2p.yamux.YamuxFrameDecoder;
import lanchat.transport.libp2p.yamux.YamuxFrameEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Yamux Data frame framing: {@link YamuxFrameEncoder} and {@link YamuxFrameDecoder} in a Netty pipeline. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class YamuxBench {
    @Param({"32", "65536"})
    public int size;

    private EmbeddedChannel encoder, decoder;
    private ByteBuf payload, wire;

    @Setup
    public void setUp() {
        encoder = new EmbeddedChannel(new YamuxFrameEncoder());
        decoder = new EmbeddedChannel(new YamuxFrameDecoder());
        payload = Unpooled.directBuffer(size).writeZero(size);
        wire = Unpooled.directBuffer(size + YamuxFrame.HEADER_LENGTH)
                .writeByte(0).writeByte(0).writeShort(0).writeInt(1).writeInt(size).writeZero(size);
    }

    @TearDown
    public void tearDown() {
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        payload.release();
        wire.release();
    }

    @Benchmark
    public int encode() {
        encoder.writeOutbound(YamuxFrame.data(1, 0, payload.retainedDuplicate()));
        int n = 0;
        for (Object m; (m = encoder.readOutbound()) != null; n++) ReferenceCountUtil.release(m);
        return n;
    }

    @Benchmark
    public long decode() {
        decoder.writeInbound(wire.retainedDuplicate());
        YamuxFrame f = decoder.readInbound();
        long len = f.length();
        f.release();
        return len;
    }
}
