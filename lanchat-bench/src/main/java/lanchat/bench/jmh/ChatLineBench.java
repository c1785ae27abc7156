package lanchat.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import lanchat.transport.libp2p.chat.ChatLineDecoder;
import lanchat.transport.libp2p.chat.ChatLineEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.State;

/** The newline chat codec of {@code /chat/1.1.0}: String → UTF-8 line and back, in a Netty pipeline. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ChatLineBench {
    /** Line length in bytes, the newline included. */
    @Param({"32", "65536"})
    public int size;

    private EmbeddedChannel encoder, decoder;
    private String text;
    private ByteBuf line;

    @Setup
    public void setUp() {
        char[] c = new char[size - 1];
        Arrays.fill(c, 'x');
        text = new String(c);
        encoder = new EmbeddedChannel(new ChatLineEncoder());
        decoder = new EmbeddedChannel(new ChatLineDecoder(1 << 20));
        line = Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8);
    }

    @TearDown
    public void tearDown() {
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        line.release();
    }

    @Benchmark
    public int encode() {
        encoder.writeOutbound(text);
        ByteBuf b = encoder.readOutbound();
        int n = b.readableBytes();
        b.release();
        return n;
    }

    @Benchmark
    public String decode() {
        decoder.writeInbound(line.retainedDuplicate());
        return decoder.readInbound();
    }

    /**
     * What {@code Libp2pConnection.send} does to every message on the sender's thread: {@link ChatLineEncoder#wireLines},
     * its non-blank lines as UTF-8 with their newlines, ready to be written.
     */
    @Benchmark
    public Object sendSplit() {
        return ChatLineEncoder.wireLines(text, 1 << 20);
    }
}
