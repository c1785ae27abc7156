package lanchat.transport.libp2p.ping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import lanchat.transport.libp2p.LeakCheck;
import lanchat.transport.libp2p.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class PingInitiatorTest {
    private static Throwable failure(PingInitiator ping) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> ping.result().get());
        return e.getCause();
    }

    @Test
    void sendsThirtyTwoRandomBytesAtOnce() {
        PingInitiator a = new PingInitiator();
        PingInitiator b = new PingInitiator();
        EmbeddedChannel ca = new EmbeddedChannel(a);
        EmbeddedChannel cb = new EmbeddedChannel(b);
        byte[] pa = Wire.drainOutbound(ca);
        byte[] pb = Wire.drainOutbound(cb);
        assertEquals(PingProtocol.SIZE, pa.length);
        assertFalse(java.util.Arrays.equals(pa, pb), "payloads are random");
        assertEquals(0, Wire.drainOutbound(ca).length, "sent once, not again on channelActive");
        ca.finishAndReleaseAll();
        cb.finishAndReleaseAll();
    }

    @Test
    void addedToAnInactiveChannelItSendsWhenActive() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        PingInitiator ping = new PingInitiator();
        ch.pipeline().addLast(ping);
        ch.register();
        assertEquals(PingProtocol.SIZE, Wire.drainOutbound(ch).length);
        ch.finishAndReleaseAll();
    }

    @Test
    void completesWithTheRoundTripTimeOnTheRightEcho() throws Exception {
        PingInitiator ping = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(ping);
        EmbeddedChannel responder = new EmbeddedChannel(new PingResponder());
        Wire.pump(ch, responder);
        Duration rtt = ping.result().get();
        assertFalse(rtt.isNegative());
        assertTrue(rtt.compareTo(Duration.ofSeconds(10)) < 0, rtt.toString());
        assertFalse(ch.isOpen(), "the stream is closed after the echo");
        ch.finishAndReleaseAll();
        responder.finishAndReleaseAll();
    }

    @Test
    void theEchoMayArriveInPieces() throws Exception {
        PingInitiator ping = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(ping);
        byte[] sent = Wire.drainOutbound(ch);
        ByteBuf first = Unpooled.copiedBuffer(sent, 0, 10);
        ByteBuf second = Unpooled.copiedBuffer(sent, 10, 22);
        ch.writeInbound(first);
        assertFalse(ping.result().isDone());
        assertTrue(ch.isOpen());
        ch.writeInbound(second);
        assertTrue(ping.result().isDone());
        ping.result().get();
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void failsOnDifferentBytes() {
        PingInitiator ping = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(ping);
        byte[] sent = Wire.drainOutbound(ch);
        sent[17] ^= 1;
        ByteBuf wrong = Unpooled.wrappedBuffer(sent);
        ch.writeInbound(wrong);
        Throwable cause = failure(ping);
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().contains("different"), cause.getMessage());
        assertFalse(ch.isOpen());
        assertEquals(0, wrong.refCnt());
        ch.finishAndReleaseAll();
    }

    @Test
    void extraBytesAfterTheEchoAreIgnoredAndReleased() throws Exception {
        PingInitiator ping = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(ping);
        byte[] sent = Wire.drainOutbound(ch);
        ByteBuf echoAndMore = Unpooled.buffer().writeBytes(sent).writeBytes(new byte[40]);
        ch.writeInbound(echoAndMore);
        ping.result().get();
        assertEquals(0, echoAndMore.refCnt());
        ch.finishAndReleaseAll();
    }

    @Test
    void failsWhenTheStreamClosesFirst() {
        PingInitiator ping = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(ping);
        Wire.drainOutbound(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[31])); // one byte short
        assertFalse(ping.result().isDone());
        ch.close();
        Throwable cause = failure(ping);
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().contains("closed"), cause.getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void failsOnAnExceptionAndClosesTheStream() {
        PingInitiator ping = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter(), ping);
        Wire.drainOutbound(ch);
        IOException boom = new IOException("reset by peer");
        ch.pipeline().fireExceptionCaught(boom);
        assertEquals(boom, failure(ping));
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void aFailedWriteFailsTheResult() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.pipeline().addLast(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                io.netty.util.ReferenceCountUtil.release(msg);
                promise.setFailure(new IOException("write refused"));
            }
        });
        PingInitiator ping = new PingInitiator();
        ch.pipeline().addLast(ping);
        ch.register();
        assertEquals("write refused", failure(ping).getMessage());
        ch.finishAndReleaseAll();
    }
}
