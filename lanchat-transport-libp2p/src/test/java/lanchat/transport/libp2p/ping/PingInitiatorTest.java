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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import lanchat.transport.libp2p.Wire;
import org.junit.jupiter.api.Test;

class PingInitiatorTest {
    private static Throwable failure(CompletableFuture<Duration> ping) {
        ExecutionException e = assertThrows(ExecutionException.class, ping::get);
        return e.getCause();
    }

    @Test
    void sendsThirtyTwoFreshRandomBytesPerPingAndNothingBefore() {
        PingInitiator pinger = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(pinger);
        assertEquals(0, Wire.drainOutbound(ch).length, "nothing until asked");
        pinger.ping();
        byte[] first = Wire.drainOutbound(ch);
        pinger.ping();
        byte[] second = Wire.drainOutbound(ch);
        assertEquals(PingProtocol.SIZE, first.length);
        assertEquals(PingProtocol.SIZE, second.length);
        assertFalse(Arrays.equals(first, second), "payloads are random");
        ch.finishAndReleaseAll();
    }

    @Test
    void manyPingsOnOneStreamEachWithItsRoundTrip() throws Exception {
        PingInitiator pinger = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(pinger);
        EmbeddedChannel responder = new EmbeddedChannel(new PingResponder());
        for (int i = 0; i < 50; i++) {
            CompletableFuture<Duration> rtt = pinger.ping();
            Wire.pump(ch, responder);
            Duration d = rtt.get();
            assertFalse(d.isNegative());
            assertTrue(d.compareTo(Duration.ofSeconds(10)) < 0, d.toString());
        }
        assertTrue(ch.isOpen(), "the stream stays open for the next ping");
        ch.finishAndReleaseAll();
        responder.finishAndReleaseAll();
    }

    @Test
    void overlappingPingsAreMatchedInOrderEvenWhenEchoesArriveInPieces() throws Exception {
        PingInitiator pinger = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(pinger);
        List<CompletableFuture<Duration>> pings = new ArrayList<>();
        for (int i = 0; i < 3; i++) pings.add(pinger.ping());
        byte[] sent = Wire.drainOutbound(ch);
        assertEquals(3 * PingProtocol.SIZE, sent.length);
        ByteBuf a = Unpooled.copiedBuffer(sent, 0, 40), b = Unpooled.copiedBuffer(sent, 40, 56);
        ch.writeInbound(a);
        assertTrue(pings.get(0).isDone() && !pings.get(1).isDone());
        ch.writeInbound(b);
        for (CompletableFuture<Duration> p : pings) p.get();
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void differentBytesFailThatPingAndEveryOtherWaitingAndCloseTheStream() {
        PingInitiator pinger = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(pinger);
        CompletableFuture<Duration> first = pinger.ping(), second = pinger.ping();
        byte[] sent = Wire.drainOutbound(ch);
        sent[17] ^= 1;
        ByteBuf wrong = Unpooled.wrappedBuffer(sent);
        ch.writeInbound(wrong);
        Throwable cause = failure(first);
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().contains("different"), cause.getMessage());
        assertInstanceOf(IOException.class, failure(second));
        assertFalse(ch.isOpen());
        assertEquals(0, wrong.refCnt());
        assertInstanceOf(IOException.class, failure(pinger.ping()), "a closed stream takes no more pings");
        ch.finishAndReleaseAll();
    }

    @Test
    void anEchoNobodyWaitsForClosesTheStream() {
        EmbeddedChannel ch = new EmbeddedChannel(new PingInitiator());
        ByteBuf unsolicited = Unpooled.wrappedBuffer(new byte[PingProtocol.SIZE]);
        ch.writeInbound(unsolicited);
        assertFalse(ch.isOpen());
        assertEquals(0, unsolicited.refCnt());
        ch.finishAndReleaseAll();
    }

    @Test
    void aStreamClosingFirstFailsWhatWaits() {
        PingInitiator pinger = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(pinger);
        CompletableFuture<Duration> ping = pinger.ping();
        Wire.drainOutbound(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[31])); // one byte short
        assertFalse(ping.isDone());
        ch.close();
        Throwable cause = failure(ping);
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().contains("closed"), cause.getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void retiringClosesOnceTheLastEchoIsIn() throws Exception {
        PingInitiator pinger = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(pinger);
        CompletableFuture<Duration> ping = pinger.ping();
        byte[] sent = Wire.drainOutbound(ch);
        pinger.retire(Duration.ofSeconds(5));
        assertTrue(ch.isOpen(), "a ping still waits");
        assertInstanceOf(IOException.class, failure(pinger.ping()), "retired: no new pings");
        ch.writeInbound(Unpooled.wrappedBuffer(sent));
        ping.get();
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();

        EmbeddedChannel idle = new EmbeddedChannel(new PingInitiator());
        ((PingInitiator) idle.pipeline().first()).retire(Duration.ofSeconds(5));
        assertFalse(idle.isOpen(), "nothing waits: closed at once");
        idle.finishAndReleaseAll();
    }

    @Test
    void aRetiredStreamIsClosedAfterItsGraceWhenThePeerStaysSilent() {
        PingInitiator pinger = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(pinger);
        CompletableFuture<Duration> unanswered = pinger.ping();
        Wire.drainOutbound(ch);
        pinger.retire(Duration.ofSeconds(5));
        ch.advanceTimeBy(4, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "still within the grace");
        ch.advanceTimeBy(2, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen(), "closed when the grace ran out");
        assertInstanceOf(IOException.class, failure(unanswered));
        ch.finishAndReleaseAll();
    }

    @Test
    void anExceptionFailsWhatWaitsAndClosesTheStream() {
        PingInitiator pinger = new PingInitiator();
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter(), pinger);
        CompletableFuture<Duration> ping = pinger.ping();
        Wire.drainOutbound(ch);
        IOException boom = new IOException("reset by peer");
        ch.pipeline().fireExceptionCaught(boom);
        assertEquals(boom, failure(ping));
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void aFailedWriteFailsThePing() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                io.netty.util.ReferenceCountUtil.release(msg);
                promise.setFailure(new IOException("write refused"));
            }
        });
        PingInitiator pinger = new PingInitiator();
        ch.pipeline().addLast(pinger);
        assertEquals("write refused", failure(pinger.ping()).getMessage());
        ch.finishAndReleaseAll();
    }
}
