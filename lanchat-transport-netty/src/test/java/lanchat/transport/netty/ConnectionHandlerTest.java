package lanchat.transport.netty;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.TransportConfig;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The last handler of a netty-transport connection on an {@link EmbeddedChannel}: time moves only when the test moves
 * it ({@code advanceTimeBy}), frames go in and come out as {@link ChatFrame} objects (the codec is tested on its
 * own), and callbacks run inline.
 */
class ConnectionHandlerTest {
    /** Netty 4.2's IdleStateHandler reads the channel's clock too: the keepalive times are longer than any test advances. */
    private static final long HANDSHAKE_MS = 1_000, KEEPALIVE_MS = 20_000, IDLE_MS = 60_000;

    private final NettyTransport transport = new NettyTransport(new TransportConfig(Identity.generate(), Runnable::run, Map.of(
            "handshakeTimeoutMs", Long.toString(HANDSHAKE_MS), "keepaliveMs", Long.toString(KEEPALIVE_MS), "idleTimeoutMs", Long.toString(IDLE_MS))));
    private final CompletableFuture<NettyChatSession> established = new CompletableFuture<>();
    private final List<NettyChatSession> handedOver = new ArrayList<>();
    private final Identity peer = Identity.generate();
    /** The channel's clock: it stands still, so the handshake timeout scheduled at registration moves by advance() only. */
    private final MockTicker clock = Ticker.newMockTicker();
    private final EmbeddedChannel ch = EmbeddedChannel.builder().register(false).hasDisconnect(false).ticker(clock)
            .handlers(new ConnectionHandler(transport, Direction.INBOUND, established, handedOver::add)).build();

    @BeforeEach
    void connect() throws Exception {
        ch.register();
    }

    /** What the app saw of a session. */
    private static final class Events implements SessionListener {
        final List<String> messages = new ArrayList<>();
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();

        @Override
        public void onMessage(ChatSession session, ChatMessage message) {
            messages.add(message.text());
        }

        @Override
        public void onClosed(ChatSession session, Throwable cause) {
            assertTrue(closed.complete(cause), "onClosed delivered twice");
        }
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        transport.close();
    }

    /** Completes a real Noise XX handshake in memory and hands its result to the handler, as the Noise handler does. */
    private NettyChatSession secure() throws Exception {
        NoiseHandshake initiator = NoiseHandshake.initiator(peer, null, List.of());
        NoiseHandshake responder = NoiseHandshake.responder(Identity.generate(), List.of());
        responder.readMessage(initiator.writeMessage());
        initiator.readMessage(responder.writeMessage());
        responder.readMessage(initiator.writeMessage());
        NoiseResult result = responder.result();
        ch.pipeline().fireUserEventTriggered(result);
        assertTrue(established.isDone(), "no session after the handshake");
        return established.get();
    }

    /** Secures the connection and sets a listener, as the app does with a new session. */
    private Events listening() throws Exception {
        NettyChatSession s = secure();
        Events e = new Events();
        s.setListener(e);
        ch.runPendingTasks();
        return e;
    }

    private void advance(long ms) {
        clock.advance(ms, MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    // ---- handshake ----

    @Test
    void aConnectionThatIsNotSecuredInTimeIsClosedAndSaysWhy() {
        advance(HANDSHAKE_MS - 1);
        assertTrue(ch.isOpen(), "closed before the handshake timeout");
        advance(1);
        assertFalse(ch.isOpen(), "open after the handshake timeout");
        ExecutionException e = assertThrows(ExecutionException.class, established::get);
        assertInstanceOf(IOException.class, e.getCause());
        assertEquals("handshake timed out after " + HANDSHAKE_MS + " ms", e.getCause().getMessage());
        assertTrue(handedOver.isEmpty());
    }

    @Test
    void aSecuredConnectionBecomesASessionAndTheHandshakeTimeoutEnds() throws Exception {
        NettyChatSession s = secure();
        assertEquals(List.of(s), handedOver);
        assertEquals(peer.peerId(), s.remotePeer());
        assertEquals(Direction.INBOUND, s.direction());
        advance(HANDSHAKE_MS * 2);
        assertTrue(ch.isOpen(), "the handshake timeout outlived the handshake");
    }

    @Test
    void beforeAListenerPingsAreAnsweredAndReadingStopsOnceTheEarlyLimitIsHeld() throws Exception {
        NettyChatSession s = secure();
        ch.writeInbound(new ChatFrame.Ping(7));
        assertEquals(new ChatFrame.Pong(7), ch.readOutbound(), "a session without a listener yet still answers pings");
        String chunk = "x".repeat(1024);
        for (int held = 0; held < NettyChatSession.HELD_LIMIT; held += chunk.length()) {
            assertTrue(ch.config().isAutoRead(), "stopped reading with " + held + " characters held");
            ch.writeInbound(new ChatFrame.Message(ChatMessage.of("bob", chunk)));
        }
        assertFalse(ch.config().isAutoRead(), "kept reading past the limit");
        Events e = new Events();
        s.setListener(e);
        ch.runPendingTasks();
        assertEquals(NettyChatSession.HELD_LIMIT / chunk.length(), e.messages.size(), "held messages lost");
        assertTrue(ch.config().isAutoRead(), "reading did not resume with the listener");
    }

    @Test
    void framesThatArriveBeforeTheListenerAreDeliveredToItInOrder() throws Exception {
        NettyChatSession s = secure();
        ch.writeInbound(new ChatFrame.Message(ChatMessage.of("bob", "one")), new ChatFrame.Message(ChatMessage.of("bob", "two")));
        Events e = new Events();
        s.setListener(e);
        ch.runPendingTasks();
        assertEquals(List.of("one", "two"), e.messages);
        assertTrue(ch.config().isAutoRead(), "reading did not resume with the listener");
        ch.writeInbound(new ChatFrame.Message(ChatMessage.of("bob", "three")));
        assertEquals(List.of("one", "two", "three"), e.messages);
    }

    // ---- keepalive and idle peers ----

    @Test
    void theKeepaliveIsTheFirstHandlerAndCountsTheConfiguredTimes() throws Exception {
        secure();
        // the idle timing itself is Netty's to test; this checks what it is given and where it sits (it must see every byte)
        IdleStateHandler keepalive = (IdleStateHandler) ch.pipeline().first();
        assertSame(keepalive, ch.pipeline().get("keepalive"));
        assertEquals(IDLE_MS, keepalive.getReaderIdleTimeInMillis());
        assertEquals(KEEPALIVE_MS, keepalive.getWriterIdleTimeInMillis());
        assertEquals(0, keepalive.getAllIdleTimeInMillis());
    }

    @Test
    void nothingWrittenForTheKeepaliveIntervalSendsAPingWhoseAnswerIsIgnored() throws Exception {
        Events e = listening();
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT);
        assertEquals(new ChatFrame.Ping(0), ch.readOutbound());
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.WRITER_IDLE_STATE_EVENT);
        assertEquals(new ChatFrame.Ping(0), ch.readOutbound(), "a keepalive every interval, not just once");
        ch.writeInbound(new ChatFrame.Pong(0));
        assertTrue(ch.isOpen());
        assertTrue(e.messages.isEmpty());
        assertFalse(e.closed.isDone());
    }

    @Test
    void aPeerSilentForTheIdleTimeoutIsClosedWithTheReason() throws Exception {
        Events e = listening();
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        assertFalse(ch.isOpen());
        Throwable why = e.closed.getNow(null);
        assertInstanceOf(IOException.class, why);
        assertTrue(why.getMessage().startsWith("peer silent for"), why.getMessage());
    }

    @Test
    void aPeersPingIsAnsweredWithItsId() throws Exception {
        listening();
        ch.writeInbound(new ChatFrame.Ping(-42));
        assertEquals(new ChatFrame.Pong(-42), ch.readOutbound());
    }

    /**
     * Issue 13 (review): a peer that stops reading and keeps pinging gets no answers while its connection is not
     * writable (the peer does not take what is queued): nothing more is queued for it however many pings it sends, and
     * answers resume once it reads again. Unwritable here as a socket whose peer stopped reading makes it: the
     * channel's outbound buffer says so ({@code setUserDefinedWritability}, one of the bits {@code isWritable()} reads).
     */
    @Test
    void aPeerThatStopsReadingGetsNoPongsQueuedHoweverManyPingsItSends() throws Exception {
        listening();
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertFalse(ch.isWritable());
        for (int i = 0; i < 10_000; i++) ch.writeInbound(new ChatFrame.Ping(i));
        assertNull(ch.readOutbound(), "a pong was queued for a peer that does not read");
        assertEquals(0, ch.unsafe().outboundBuffer().totalPendingWriteBytes());
        assertTrue(ch.isOpen());
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.writeInbound(new ChatFrame.Ping(10_000));
        assertEquals(new ChatFrame.Pong(10_000), ch.readOutbound(), "answered again once the peer reads");
        assertNull(ch.readOutbound());
    }

    @Test
    void ourPingCompletesWithTheMatchingPongOnly() throws Exception {
        listening();
        NettyChatSession s = established.get();
        CompletableFuture<Duration> rtt = s.ping().toCompletableFuture();
        ch.runPendingTasks();
        ChatFrame.Ping sent = ch.readOutbound();
        ch.writeInbound(new ChatFrame.Pong(sent.id() + 1));
        assertFalse(rtt.isDone(), "a pong with another id answered our ping");
        ch.writeInbound(new ChatFrame.Pong(sent.id()));
        assertTrue(rtt.isDone() && !rtt.isCompletedExceptionally());
    }

    // ---- goodbye ----

    @Test
    void messagesGoOutInTheOrderSendWasCalled() throws Exception {
        listening();
        NettyChatSession s = established.get();
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) sent.add(s.send(ChatMessage.of(null, "m" + i)).toCompletableFuture());
        ch.runPendingTasks();
        for (int i = 0; i < 5; i++) {
            assertEquals(new ChatFrame.Message(ChatMessage.of(null, "m" + i)), ch.readOutbound());
            assertTrue(sent.get(i).isDone() && !sent.get(i).isCompletedExceptionally(), "send " + i + " not completed");
        }
    }

    @Test
    void closingSaysByeAndKeepsReadingForTheGraceThenCloses() throws Exception {
        Events e = listening();
        NettyChatSession s = established.get();
        CompletableFuture<Void> closed = s.close().toCompletableFuture();
        ch.runPendingTasks();
        assertEquals(new ChatFrame.Bye(), ch.readOutbound());
        assertFalse(s.isOpen(), "a session that said bye still takes messages");
        long grace = NettyChatSession.BYE_GRACE.toMillis();
        advance(grace - 1);
        ch.writeInbound(new ChatFrame.Message(ChatMessage.of("bob", "sent before it saw our bye")));
        assertEquals(List.of("sent before it saw our bye"), e.messages);
        assertTrue(ch.isOpen() && !closed.isDone(), "closed before the grace ended");
        advance(1);
        assertFalse(ch.isOpen(), "still open after the grace");
        assertTrue(closed.isDone());
        assertNull(e.closed.getNow(new AssertionError("not reported closed")), "an orderly close has no cause");
    }

    @Test
    void thePeersByeClosesAtOnceWithoutAnAnswer() throws Exception {
        Events e = listening();
        ch.writeInbound(new ChatFrame.Bye());
        assertFalse(ch.isOpen());
        assertNull(ch.readOutbound(), "answered the peer's bye");
        assertNull(e.closed.getNow(new AssertionError("not reported closed")));
    }

    // ---- errors ----

    @Test
    void aBadFrameClosesTheConnectionAndTheSessionLearnsTheRootCause() throws Exception {
        Events e = listening();
        ch.pipeline().fireExceptionCaught(new DecoderException(new CorruptedFrameException("ping frame must carry 8 bytes")));
        assertFalse(ch.isOpen());
        Throwable why = e.closed.getNow(null);
        assertInstanceOf(CorruptedFrameException.class, why);
        assertEquals("ping frame must carry 8 bytes", why.getMessage());
    }

    @Test
    void aFailureDuringTheHandshakeFailsTheDialWithIt() {
        ch.pipeline().fireExceptionCaught(new DecoderException(new WrongTransportException("the peer speaks libp2p")));
        assertFalse(ch.isOpen());
        ExecutionException e = assertThrows(ExecutionException.class, established::get);
        assertInstanceOf(WrongTransportException.class, e.getCause());
    }
}
