package lanchat.transport.libp2p.ping;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.Arrays;
import java.util.Random;
import lanchat.transport.libp2p.Wire;
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
}
