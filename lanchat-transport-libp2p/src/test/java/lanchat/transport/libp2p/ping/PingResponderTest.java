package lanchat.transport.libp2p.ping;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import lanchat.transport.libp2p.Wire;
import lanchat.transport.libp2p.yamux.YamuxConfig;
import lanchat.transport.libp2p.yamux.YamuxFrame;
import lanchat.transport.libp2p.yamux.YamuxFrameType;
import lanchat.transport.libp2p.yamux.YamuxSession;
import org.junit.jupiter.api.Test;

class PingResponderTest {
    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static ByteBuf part(byte[] all, int from, int to) {
        return Unpooled.copiedBuffer(all, from, to - from);
    }

    @Test
    void echoesOneWholePing() {
        EmbeddedChannel ch = new EmbeddedChannel(new PingResponder());
        byte[] ping = random(PingProtocol.SIZE, 1);
        ByteBuf in = Unpooled.wrappedBuffer(ping.clone());
        ch.writeInbound(in);
        assertArrayEquals(ping, Wire.drainOutbound(ch));
        assertEquals(0, in.refCnt(), "echoed slices released by the writer, cumulation released by the decoder");
        assertNull(ch.readInbound(), "nothing goes further up the pipeline");
        assertFalse(ch.finish());
    }

    @Test
    void echoesCompleteBlocksAcrossSplitReadsAndKeepsAPartialOne() {
        EmbeddedChannel ch = new EmbeddedChannel(new PingResponder());
        byte[] data = random(3 * PingProtocol.SIZE + 5, 2);
        ch.writeInbound(part(data, 0, 20));
        assertEquals(0, Wire.drainOutbound(ch).length, "20 bytes: not a whole ping yet");
        ch.writeInbound(part(data, 20, 40));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 32), Wire.drainOutbound(ch));
        // the 8 bytes left over plus 68 more: two more pings and 5 bytes kept
        ch.writeInbound(part(data, 40, data.length));
        assertArrayEquals(Arrays.copyOfRange(data, 32, 96), Wire.drainOutbound(ch));
        // completing the partial ping answers it
        byte[] tail = random(27, 3);
        ch.writeInbound(Unpooled.wrappedBuffer(tail));
        byte[] expected = new byte[32];
        System.arraycopy(data, 96, expected, 0, 5);
        System.arraycopy(tail, 0, expected, 5, 27);
        assertArrayEquals(expected, Wire.drainOutbound(ch));
        assertFalse(ch.finish());
    }

    @Test
    void manyPingsInOneReadAreAllEchoed() {
        EmbeddedChannel ch = new EmbeddedChannel(new PingResponder());
        byte[] data = random(100 * PingProtocol.SIZE, 4);
        ch.writeInbound(Unpooled.wrappedBuffer(data.clone()));
        assertArrayEquals(data, Wire.drainOutbound(ch));
        assertFalse(ch.finish());
    }

    @Test
    void aPartialPingLeftAtCloseIsReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new PingResponder());
        ByteBuf in = Unpooled.wrappedBuffer(random(31, 5));
        ch.writeInbound(in);
        assertEquals(1, in.refCnt(), "kept for the rest of the ping");
        assertFalse(ch.finishAndReleaseAll());
        assertEquals(0, in.refCnt());
    }

    @Test
    void closesTheStreamWhenThePeerIsDoneSending() {
        // the initiator closes its side after the echo (FIN): the responder must close too, or every ping leaves a
        // half-closed stream behind on the responder until the connection ends
        EmbeddedChannel ch = new EmbeddedChannel(new PingResponder());
        byte[] ping = random(PingProtocol.SIZE, 6);
        ch.writeInbound(Unpooled.wrappedBuffer(ping.clone()));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertArrayEquals(ping, Wire.drainOutbound(ch));
        assertFalse(ch.isOpen(), "responder closed its side after the peer's FIN");
        ch.finishAndReleaseAll();
    }

    @Test
    void whileTheStreamIsNotWritableNothingIsEchoedAndReadingStops() {
        EmbeddedChannel ch = new EmbeddedChannel(new PingResponder());
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // as when the peer grants no window
        ch.runPendingTasks(); // the writability event is fired from a task
        assertFalse(ch.config().isAutoRead(), "no more is read while echoes cannot leave");
        byte[] data = random(100 * PingProtocol.SIZE + 7, 8);
        ch.writeInbound(Unpooled.wrappedBuffer(data.clone())); // delivered before the stream could stop
        assertEquals(0, Wire.drainOutbound(ch).length, "nothing queued behind the blocked ones");
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.runPendingTasks();
        assertArrayEquals(Arrays.copyOf(data, 100 * PingProtocol.SIZE), Wire.drainOutbound(ch));
        assertTrue(ch.config().isAutoRead(), "reads again");
        assertFalse(ch.finishAndReleaseAll(), "the partial ping is released with the stream");
    }

    /** Installs a responder on every stream the peer opens, as the transport does once ping is negotiated. */
    @Sharable
    private static final class Responders extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel stream) {
            stream.pipeline().addLast(new PingResponder());
        }
    }

    /** What the connection wrote, as frame descriptions (payloads released); Data frames are only counted. */
    private static List<String> written(EmbeddedChannel connection, long[] dataBytes) {
        List<String> frames = new ArrayList<>();
        for (Object msg; (msg = connection.readOutbound()) != null; ) {
            YamuxFrame f = (YamuxFrame) msg;
            if (f.type() == YamuxFrameType.DATA) dataBytes[0] += f.length();
            else frames.add(f.toString());
            f.release();
        }
        return frames;
    }

    @Test
    void aPeerThatGrantsNoWindowForItsEchoesGetsNoMoreCreditForPings() {
        EmbeddedChannel connection = new EmbeddedChannel(new YamuxSession(false, new Responders()));
        connection.writeInbound(YamuxFrame.windowUpdate(1, YamuxFrame.FLAG_SYN, 0));
        byte[] pings = random(8192, 9);
        long window = YamuxConfig.INITIAL_WINDOW;
        long sent = 0;
        long[] echoed = {0};
        // a peer that keeps to its window (anything more is a protocol error) but never grants one for the echoes:
        // it may send what we credit, which must stop once the echoes pile up
        while (window >= pings.length && sent < 16 << 20) {
            connection.writeInbound(YamuxFrame.data(1, 0, Unpooled.wrappedBuffer(pings)));
            window -= pings.length;
            sent += pings.length;
            for (String f : written(connection, echoed)) {
                if (f.startsWith("YamuxFrame(WINDOW_UPDATE stream=1 ")) window += Long.parseLong(f.replaceAll(".*length=(\\d+).*", "$1"));
            }
        }
        assertTrue(sent <= 1 << 20, "the peer could send " + sent + " bytes of pings");
        assertEquals(YamuxConfig.INITIAL_WINDOW, echoed[0], "echoed as far as the peer's window allowed");
        assertTrue(connection.isOpen(), "a slow peer is not an error");
        // once the peer grants window, the echoes leave and reading resumes: every ping sent is answered
        connection.writeInbound(YamuxFrame.windowUpdate(1, 0, 16 << 20));
        List<String> frames = written(connection, echoed);
        assertEquals(sent, echoed[0]);
        assertTrue(frames.stream().anyMatch(f -> f.startsWith("YamuxFrame(WINDOW_UPDATE stream=1 flags=- ")), "credit again: " + frames);
        connection.finishAndReleaseAll();
    }
}
