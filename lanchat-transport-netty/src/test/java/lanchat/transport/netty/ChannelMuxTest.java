package lanchat.transport.netty;

import static lanchat.transport.netty.SessionPair.registry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import lanchat.api.ChatMessage;
import lanchat.api.spi.ChannelLimits;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.ProtocolNotSupportedException;
import lanchat.api.testkit.TransportHarness.ChannelRecorder;
import lanchat.transport.netty.SessionPair.Seen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ChannelMux} and {@link NettyProtocolChannel} between two sessions wired back to back. */
class ChannelMuxTest {
    private static final String ID = "/lanchat/test/mux/1.0.0";
    private static final int CHUNK = ChannelFrames.MAX_CHUNK;
    private static final int WINDOW = ChannelFrames.WINDOW;

    /** Channels the listener's handler was given, each with a recorder as its listener. */
    private final BlockingQueue<ProtocolChannel> accepted = new LinkedBlockingQueue<>();
    private final List<ChannelRecorder> acceptedRecorders = new ArrayList<>();
    /** The gate the listener's recorders hold messages with; null: done with at once. */
    private CompletableFuture<Void> listenerGate;
    private SessionPair pair;

    private ProtocolHandler recording(ChannelLimits limits) {
        return new ProtocolHandler(ID, limits, ch -> {
            ChannelRecorder r = new ChannelRecorder();
            r.gate = listenerGate;
            acceptedRecorders.add(r);
            accepted.add(ch);
            ch.setListener(r);
        });
    }

    private SessionPair pair(ProtocolHandler atListener) {
        pair = new SessionPair(registry(new ProtocolHandler(ID, atListener.limits(), ch -> ch.reset())), registry(atListener));
        return pair;
    }

    @AfterEach
    void finish() {
        if (pair != null) pair.finish();
    }

    private ProtocolChannel open(NettyChatSession from) throws Exception {
        CompletableFuture<ProtocolChannel> f = from.openChannel(ID).toCompletableFuture();
        pair.pump();
        assertTrue(f.isDone(), "answered");
        return f.get();
    }

    private static byte[] message(int i, int size) {
        byte[] m = new byte[size];
        Arrays.fill(m, (byte) i);
        if (size >= 4) ByteBuffer.wrap(m).putInt(i);
        return m;
    }

    /** One frame's bytes as the codec writes them, to play a peer that breaks the rules. */
    private static ByteBuf encoded(ChatFrame frame) {
        EmbeddedChannel codec = new EmbeddedChannel(new ChatFrameCodec());
        codec.writeOutbound(frame);
        ByteBuf b = codec.readOutbound();
        codec.finishAndReleaseAll();
        return b;
    }

    private static List<Integer> opens(List<Seen> seen) {
        return seen.stream().filter(s -> s.is(ChannelFrames.OPEN)).map(Seen::channel).toList();
    }

    /** Why {@code f} failed; it must have. */
    private static Throwable failure(CompletableFuture<?> f) {
        assertTrue(f.isCompletedExceptionally(), "failed: " + f);
        return f.handle((v, e) -> e instanceof CompletionException && e.getCause() != null ? e.getCause() : e).join();
    }

    private static long count(List<Seen> seen, byte type) {
        return seen.stream().filter(s -> s.is(type)).count();
    }

    @Test
    void carriesMessagesOfEverySizeBothWaysThenClosesGracefully() throws Exception {
        pair(recording(ChannelLimits.DEFAULT));
        ProtocolChannel out = open(pair.dialer);
        assertEquals(Direction.OUTBOUND, out.direction());
        assertSame(pair.dialer, out.session());
        ProtocolChannel in = accepted.poll();
        assertNotNull(in);
        assertEquals(Direction.INBOUND, in.direction());
        assertEquals(ID, in.protocol());
        ChannelRecorder atDialer = new ChannelRecorder();
        out.setListener(atDialer);
        int[] sizes = {0, 1, CHUNK - 5, CHUNK - 4, CHUNK, CHUNK + 1, 3 * CHUNK + 7, ChannelLimits.DEFAULT.maxMessageBytes()};
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            sends.add(out.send(message(i, sizes[i])).toCompletableFuture());
            sends.add(in.send(message(100 + i, sizes[i])).toCompletableFuture());
        }
        assertEquals(0, count(pair.pump(), ChannelFrames.RESET));
        for (CompletableFuture<Void> s : sends) assertTrue(s.isDone() && !s.isCompletedExceptionally());
        ChannelRecorder atListener = acceptedRecorders.get(0);
        for (int i = 0; i < sizes.length; i++) {
            assertArrayEquals(message(i, sizes[i]), atListener.next(), "to the listener, message " + i);
            assertArrayEquals(message(100 + i, sizes[i]), atDialer.next(), "to the dialer, message " + i);
        }

        CompletableFuture<Void> closed = out.close().toCompletableFuture();
        assertFalse(out.isOpen());
        List<Seen> seen = pair.pump();
        assertEquals(2, count(seen, ChannelFrames.CLOSE), "a Close each way");
        assertTrue(closed.isDone());
        assertNull(atDialer.closed.getNow(new AssertionError("not closed")));
        assertNull(atListener.closed.getNow(new AssertionError("not closed")));
        assertFalse(in.isOpen());
        assertEquals(0, pair.dialer.mux().channelCount());
        assertEquals(0, pair.listener.mux().channelCount());
        assertThrows(ExecutionException.class, () -> out.send(new byte[1]).toCompletableFuture().get());
    }

    @Test
    void bothSidesOpenAtOnceWithIdsOfTheirOwn() throws Exception {
        ProtocolHandler echo = new ProtocolHandler(ID, ChannelLimits.DEFAULT, ch -> ch.setListener(new lanchat.api.testkit.EchoProtocol()));
        pair = new SessionPair(registry(echo), registry(echo));
        List<CompletableFuture<ProtocolChannel>> opening = List.of(pair.dialer.openChannel(ID).toCompletableFuture(),
                pair.listener.openChannel(ID).toCompletableFuture(), pair.dialer.openChannel(ID).toCompletableFuture(),
                pair.listener.openChannel(ID).toCompletableFuture());
        assertEquals(List.of(1, 3), opens(SessionPair.transfer(pair.dialerWire, pair.listenerWire)), "the dialer opens odd ids");
        assertEquals(List.of(2, 4), opens(SessionPair.transfer(pair.listenerWire, pair.dialerWire)), "the listener even ones");
        pair.pump();
        List<ChannelRecorder> echoes = new ArrayList<>();
        for (int i = 0; i < opening.size(); i++) {
            ProtocolChannel ch = opening.get(i).get();
            ChannelRecorder r = new ChannelRecorder();
            ch.setListener(r);
            echoes.add(r);
            ch.send(message(i, 1000 * (i + 1)));
        }
        pair.pump();
        for (int i = 0; i < opening.size(); i++) assertArrayEquals(message(i, 1000 * (i + 1)), echoes.get(i).next(), "echo on channel " + i);
        assertEquals(4, pair.dialer.mux().channelCount());
    }

    @Test
    void unknownProtocolsAndChannelsBeyondTheLimitAreRefused() throws Exception {
        ChannelLimits two = new ChannelLimits(1024, 4096, 4096, 2);
        ProtocolHandler other = new ProtocolHandler("/lanchat/test/other/1.0.0", two, ch -> ch.reset());
        pair = new SessionPair(registry(new ProtocolHandler(ID, two, ch -> ch.reset()), other), registry(recording(two)));

        CompletableFuture<ProtocolChannel> unknown = pair.dialer.openChannel(other.id()).toCompletableFuture();
        pair.pump();
        assertInstanceOf(ProtocolNotSupportedException.class, failure(unknown));
        assertInstanceOf(IllegalArgumentException.class, failure(pair.dialer.openChannel("/nobody/1.0.0").toCompletableFuture()),
                "we cannot open what we did not register");

        ProtocolChannel first = open(pair.dialer);
        open(pair.dialer);
        CompletableFuture<ProtocolChannel> third = pair.dialer.openChannel(ID).toCompletableFuture();
        List<Seen> seen = pair.pump();
        assertEquals(1, count(seen, ChannelFrames.REFUSE));
        Throwable over = failure(third);
        assertInstanceOf(ProtocolNotSupportedException.class, over);
        assertTrue(over.getMessage().contains("too many"), over.getMessage());

        first.close();
        pair.pump();
        assertNotNull(open(pair.dialer), "a closed channel makes room");
    }

    @Test
    void aReceiverThatHoldsMessagesStopsTheSenderAtItsCreditUntilItCatchesUp() throws Exception {
        listenerGate = new CompletableFuture<>();
        ChannelLimits limits = new ChannelLimits(CHUNK, 1 << 20, CHUNK, 2);
        pair(recording(limits));
        ProtocolChannel out = open(pair.dialer);
        out.setListener(new ChannelRecorder());
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 64; i++) sends.add(out.send(message(i, CHUNK)).toCompletableFuture());
        List<Seen> seen = pair.pump();

        int written = writtenBeforeTheFirstGrant();
        assertEquals(written * (CHUNK + ChannelFrames.LENGTH_BYTES), seen.stream().filter(s -> s.is(ChannelFrames.DATA)).mapToInt(Seen::dataCost).sum(),
                "the sender spends its credit up to what an older peer needs to grant, then waits");
        assertEquals(1, count(seen, ChannelFrames.CREDIT), "a receiver that holds its messages grants only the one its app took");
        assertEquals(written, sends.stream().filter(CompletableFuture::isDone).count(), "whole messages written");
        ChannelRecorder atListener = acceptedRecorders.get(0);
        assertEquals(1, atListener.messages.size(), "the listener holds one message; the next wait in the transport");

        listenerGate.complete(null);
        seen = pair.pump();
        assertTrue(count(seen, ChannelFrames.CREDIT) > 0);
        assertEquals(0, count(seen, ChannelFrames.RESET), "credit was granted by the rules");
        for (int i = 0; i < 64; i++) {
            assertArrayEquals(message(i, CHUNK), atListener.next(), "message " + i);
            assertTrue(sends.get(i).isDone() && !sends.get(i).isCompletedExceptionally());
        }
        assertTrue(out.isOpen());
    }

    /**
     * Chunk-sized messages (one DATA frame each) a sender writes to a peer that has granted nothing yet: until the
     * peer has shown that it grants in steps, a channel goes on up to the point where an older peer grants.
     */
    private static int writtenBeforeTheFirstGrant() {
        int cost = CHUNK + ChannelFrames.LENGTH_BYTES;
        return (ChannelMux.LEGACY_GRANT_POINT + cost - 1) / cost;
    }

    @Test
    void onceThePeerGrantsInStepsAllChannelsTogetherKeepAtMostTheBoundUncredited() throws Exception {
        pair(recording(new ChannelLimits(1 << 20, 2 << 20, 2 << 20, 4)));
        pair.dialerWire.freezeTime(); // credit comes back at once: a fast path, where the bound stays at its floor
        ProtocolChannel a = open(pair.dialer);
        ProtocolChannel b = open(pair.dialer);
        CompletableFuture<Void> sentA = a.send(message(1, 1 << 20)).toCompletableFuture();
        CompletableFuture<Void> sentB = b.send(message(2, 1 << 20)).toCompletableFuture();
        long uncredited = 0, most = 0;
        boolean granted = false;
        for (int round = 0; round < 10_000 && !(sentA.isDone() && sentB.isDone()); round++) {
            List<Seen> out = SessionPair.transfer(pair.dialerWire, pair.listenerWire);
            uncredited += out.stream().filter(x -> x.is(ChannelFrames.DATA)).mapToInt(Seen::dataCost).sum();
            if (granted) most = Math.max(most, uncredited);
            List<Seen> back = SessionPair.transfer(pair.listenerWire, pair.dialerWire);
            long grants = back.stream().filter(x -> x.is(ChannelFrames.CREDIT)).count();
            assertTrue(back.stream().filter(x -> x.is(ChannelFrames.CREDIT)).allMatch(x -> x.length() == 9), "credit frames: " + back);
            uncredited -= grants * NettyProtocolChannel.CREDIT_STEP; // what was read as it arrived is granted in steps of this
            granted |= grants > 0;
        }
        assertTrue(sentA.isDone() && sentB.isDone(), "both messages went through");
        assertTrue(granted);
        assertTrue(most <= ChannelMux.MAX_UNCREDITED + CHUNK + ChannelFrames.LENGTH_BYTES,
                "at most the bound (and the chunk that crossed it) waits for credit: " + most);
        pair.pump();
        assertArrayEquals(message(1, 1 << 20), acceptedRecorders.get(0).next());
        assertArrayEquals(message(2, 1 << 20), acceptedRecorders.get(1).next());
    }

    /**
     * Two 1 MiB messages on two channels over a simulated link: each way of each transfer takes {@code oneWayNanos},
     * plus, when {@code bytesPerMs} > 0, the time the bytes in flight take to drain through a bottleneck of that rate
     * (a queue). Returns the most bytes sent and not yet credited, once the peer has granted credit in steps (the
     * first flight is an older peer's half-window allowance, whatever the bound).
     */
    private long mostInFlightOverALink(long oneWayNanos, long bytesPerMs) throws Exception {
        pair(recording(new ChannelLimits(1 << 20, 2 << 20, 2 << 20, 4)));
        pair.dialerWire.freezeTime();
        ProtocolChannel a = open(pair.dialer);
        ProtocolChannel b = open(pair.dialer);
        CompletableFuture<Void> sentA = a.send(message(1, 1 << 20)).toCompletableFuture();
        CompletableFuture<Void> sentB = b.send(message(2, 1 << 20)).toCompletableFuture();
        long uncredited = 0, most = 0;
        for (int round = 0; round < 10_000 && !(sentA.isDone() && sentB.isDone()); round++) {
            List<Seen> out = SessionPair.transfer(pair.dialerWire, pair.listenerWire);
            uncredited += out.stream().filter(x -> x.is(ChannelFrames.DATA)).mapToInt(Seen::dataCost).sum();
            if (round > 0) most = Math.max(most, uncredited);
            long queue = bytesPerMs > 0 ? uncredited * 1_000_000 / bytesPerMs : 0;
            pair.dialerWire.advanceTimeBy(2 * oneWayNanos + queue, TimeUnit.NANOSECONDS);
            List<Seen> back = SessionPair.transfer(pair.listenerWire, pair.dialerWire);
            uncredited -= back.stream().filter(x -> x.is(ChannelFrames.CREDIT)).count() * NettyProtocolChannel.CREDIT_STEP;
        }
        assertTrue(sentA.isDone() && sentB.isDone(), "both messages went through");
        pair.pump();
        assertArrayEquals(message(1, 1 << 20), acceptedRecorders.get(0).next());
        assertArrayEquals(message(2, 1 << 20), acceptedRecorders.get(1).next());
        System.out.printf("over a link of %.1f ms round trips%s: at most %d KiB in flight%n", oneWayNanos / 5e5,
                bytesPerMs > 0 ? " through " + bytesPerMs / 1024 + " KiB/ms" : "", most / 1024);
        return most;
    }

    @Test
    void overALinkWithALongRoundTripAndNoQueueMoreThanTheFloorIsKeptInFlight() throws Exception {
        long most = mostInFlightOverALink(2_000_000, 0); // 4 ms round trips, e.g. Wi-Fi
        assertTrue(most > 4L * ChannelMux.MAX_UNCREDITED, "the bound grew with the round trip: " + most);
        assertTrue(most <= 2L * (WINDOW + CHUNK + ChannelFrames.LENGTH_BYTES), "never beyond the channels' windows: " + most);
    }

    @Test
    void overALinkWhereWhatIsInFlightQueuesTheBoundStaysNearWhatTheLinkHolds() throws Exception {
        // 4 ms round trips through a 32 MB/s bottleneck: 128 KiB fill the pipe; more only queues (and delays chat)
        long most = mostInFlightOverALink(2_000_000, 32 * 1024);
        assertTrue(most > ChannelMux.MAX_UNCREDITED + CHUNK, "it grew past the floor: " + most);
        assertTrue(most < 2L * WINDOW, "and stopped well short of both windows (2 × 256 KiB) once a queue built: " + most);
    }

    @Test
    void aCloseDoesNotWaitForTheCreditOfAnotherChannel() throws Exception {
        listenerGate = new CompletableFuture<>(); // the listener's app holds what it gets: credit stops
        pair(recording(new ChannelLimits(CHUNK, 1 << 20, CHUNK, 4)));
        ProtocolChannel bulk = open(pair.dialer);
        ProtocolChannel other = open(pair.dialer);
        for (int i = 0; i < 32; i++) bulk.send(message(i, CHUNK));
        pair.pump(); // one message read and credited (in a step: the bound now holds), the rest waits for credit
        CompletableFuture<Void> closed = other.close().toCompletableFuture();
        List<Seen> seen = pair.pump();
        assertEquals(List.of(ChannelFrames.CLOSE, ChannelFrames.CLOSE), seen.stream().map(Seen::type).toList(),
                "our Close and the peer's answer, while the bulk channel still waits: " + seen);
        assertTrue(closed.isDone());
    }

    @Test
    void aPeerThatGrantsOnlyOnceHalfAWindowIsDueStillGetsEverything() throws Exception {
        pair(recording(new ChannelLimits(1 << 20, 2 << 20, 2 << 20, 4)));
        ProtocolChannel a = open(pair.dialer);
        CompletableFuture<Void> sent = a.send(message(1, 1 << 20)).toCompletableFuture();
        int due = 0; // this peer's grants, held back until half a window is due, as peers built before the bound do
        for (int round = 0; round < 10_000 && !sent.isDone(); round++) {
            SessionPair.transfer(pair.dialerWire, pair.listenerWire);
            pair.listenerWire.runPendingTasks();
            for (Object msg; (msg = pair.listenerWire.readOutbound()) != null; ) {
                ByteBuf frame = (ByteBuf) msg;
                if (frame.getByte(frame.readerIndex() + 4) == ChannelFrames.CREDIT) {
                    due += frame.getInt(frame.readerIndex() + 9);
                    frame.release();
                } else {
                    pair.dialerWire.writeInbound(frame);
                }
            }
            if (due >= WINDOW / 2) {
                pair.dialerWire.writeInbound(encoded(new ChatFrame.Credit(1, due)));
                due = 0;
            }
        }
        assertTrue(sent.isDone() && !sent.isCompletedExceptionally(), "no deadlock: the sender went on to where this peer grants");
        pair.pump();
        assertArrayEquals(message(1, 1 << 20), acceptedRecorders.get(0).next());
    }

    /** Remainders below a credit step are never granted: three of them must not stall the connection (review). */
    @Test
    void remaindersBelowACreditStepOnSeveralChannelsDoNotStallTheConnection() throws Exception {
        pair(recording(new ChannelLimits(1 << 20, 2 << 20, 2 << 20, 8)));
        ProtocolChannel a = open(pair.dialer);
        ProtocolChannel b = open(pair.dialer);
        ProtocolChannel c = open(pair.dialer);
        ProtocolChannel d = open(pair.dialer);
        CompletableFuture<Void> first = a.send(message(1, 20 * 1024)).toCompletableFuture();
        pair.pump(); // read and granted in a step: the peer grants in steps from now on
        assertTrue(first.isDone());
        b.send(message(2, 11 * 1024)); c.send(message(3, 11 * 1024)); d.send(message(4, 11 * 1024));
        pair.pump(); // each read, each below the 16 KiB step: nothing granted
        CompletableFuture<Void> next = a.send(message(5, 1024)).toCompletableFuture();
        pair.pump();
        assertTrue(next.isDone(), "a 1 KiB message on an idle connection whose peer read everything");
    }

    /** A channel whose app stops reading holds its credit for good: the other channels keep going (review). */
    @Test
    void aChannelWhoseAppHoldsItsDataDoesNotStallTheOthers() throws Exception {
        pair(recording(new ChannelLimits(1 << 20, 2 << 20, CHUNK, 8)));
        ProtocolChannel warm = open(pair.dialer);
        warm.send(message(1, 20 * 1024));
        pair.pump(); // granted in a step
        listenerGate = new CompletableFuture<>();
        ProtocolChannel held = open(pair.dialer);
        listenerGate = null;
        ProtocolChannel other = open(pair.dialer);
        for (int i = 0; i < 8; i++) held.send(message(i, CHUNK));
        pair.pump();
        CompletableFuture<Void> o = other.send(message(9, 1024)).toCompletableFuture();
        pair.pump();
        assertTrue(o.isDone(), "another channel's 1 KiB message while one app holds its channel");
    }

    @Test
    void aSendBeyondTheSendBufferFailsAtOnce() throws Exception {
        listenerGate = new CompletableFuture<>();
        ChannelLimits limits = new ChannelLimits(CHUNK, 2 * CHUNK, CHUNK, 2);
        pair(recording(limits));
        ProtocolChannel out = open(pair.dialer);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sends.add(out.send(message(i, CHUNK)).toCompletableFuture());
            pair.dialerWire.runPendingTasks(); // queued and written as far as the credit goes, one by one
        }
        pair.pump();
        int written = writtenBeforeTheFirstGrant();
        for (int i = 0; i < written; i++) assertTrue(sends.get(i).isDone() && !sends.get(i).isCompletedExceptionally(), "written " + i);
        // the next two wait: the buffer holds two chunk-sized messages
        assertFalse(sends.get(written).isDone());
        assertFalse(sends.get(written + 1).isDone());
        for (int i = written + 2; i < 20; i++) assertTrue(sends.get(i).isCompletedExceptionally(), "refused " + i);
        assertTrue(out.isOpen(), "a full buffer does not end the channel");
    }

    @Test
    void chunksOfConcurrentChannelsAlternateAndChatGoesFirstWhenTheSocketDrains() throws Exception {
        pair(recording(new ChannelLimits(1 << 20, 1 << 20, 1 << 20, 2)));
        ProtocolChannel a = open(pair.dialer);
        ProtocolChannel b = open(pair.dialer);
        a.send(message(1, 4 * CHUNK));
        b.send(message(2, 4 * CHUNK));
        List<Integer> order = SessionPair.transfer(pair.dialerWire, pair.listenerWire).stream()
                .filter(s -> s.is(ChannelFrames.DATA)).map(Seen::channel).toList();
        assertEquals(List.of(1, 3, 1, 3, 1, 3, 1, 3), order, "round-robin, one chunk per turn (each message is 4 chunks)");

        // the socket stops taking data: nothing is written, chat included; when it drains, chat goes first
        setWritable(pair.dialerWire, false);
        a.send(message(3, 8 * CHUNK));
        pair.dialer.send(ChatMessage.of(null, "still responsive"));
        assertTrue(SessionPair.transfer(pair.dialerWire, pair.listenerWire).isEmpty(), "nothing written while not writable");
        setWritable(pair.dialerWire, true);
        List<Seen> seen = SessionPair.transfer(pair.dialerWire, pair.listenerWire);
        assertEquals(ChatFrameCodec.MESSAGE, seen.get(0).type(), "the chat line goes before the queued chunks: " + seen);
        assertTrue(count(seen, ChannelFrames.DATA) > 0);
        assertEquals("still responsive", pair.listenerChat.next().text());
        pair.pump();
        ChannelRecorder atListenerA = acceptedRecorders.get(0);
        assertArrayEquals(message(1, 4 * CHUNK), atListenerA.next());
        assertArrayEquals(message(3, 8 * CHUNK), atListenerA.next());
        assertArrayEquals(message(2, 4 * CHUNK), acceptedRecorders.get(1).next());
    }

    private static void setWritable(EmbeddedChannel ch, boolean writable) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        ch.runPendingTasks();
    }

    @Test
    void ourCloseGoesAfterEverythingQueuedAndAPeerThatNeverAnswersIsResetAfterTheGrace() throws Exception {
        pair(recording(ChannelLimits.DEFAULT));
        pair.dialerWire.freezeTime(); // time moves by advanceTimeBy only
        ProtocolChannel out = open(pair.dialer);
        ChannelRecorder atDialer = new ChannelRecorder();
        out.setListener(atDialer);
        out.send(message(1, 3 * CHUNK));
        CompletableFuture<Void> closed = out.close().toCompletableFuture();
        List<Seen> seen = SessionPair.transfer(pair.dialerWire, pair.listenerWire);
        assertEquals(List.of(ChannelFrames.DATA, ChannelFrames.DATA, ChannelFrames.DATA, ChannelFrames.CLOSE),
                seen.stream().map(Seen::type).toList(), "Close follows the last chunk");
        assertArrayEquals(message(1, 3 * CHUNK), acceptedRecorders.get(0).next());
        // the peer's answering Close is lost: after the grace we reset
        SessionPair.transfer(pair.listenerWire, null);
        pair.dialerWire.advanceTimeBy(NettyProtocolChannel.CLOSE_GRACE_MS - 1, TimeUnit.MILLISECONDS);
        assertTrue(SessionPair.transfer(pair.dialerWire, null).isEmpty());
        pair.dialerWire.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        assertEquals(List.of(ChannelFrames.RESET), SessionPair.transfer(pair.dialerWire, null).stream().map(Seen::type).toList());
        assertTrue(closed.isDone());
        assertNotNull(atDialer.closed.getNow(null), "a close that had to be forced is not graceful");
    }

    @Test
    void anOpenNobodyAnswersFailsAfterTheTimeout() throws Exception {
        pair(recording(ChannelLimits.DEFAULT));
        pair.dialerWire.freezeTime();
        CompletableFuture<ProtocolChannel> f = pair.dialer.openChannel(ID).toCompletableFuture();
        assertEquals(List.of(ChannelFrames.OPEN), SessionPair.transfer(pair.dialerWire, null).stream().map(Seen::type).toList()); // lost
        pair.dialerWire.advanceTimeBy(ChannelMux.OPEN_TIMEOUT_MS - 1, TimeUnit.MILLISECONDS);
        assertTrue(SessionPair.transfer(pair.dialerWire, null).isEmpty());
        assertFalse(f.isDone());
        pair.dialerWire.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        assertEquals(List.of(ChannelFrames.RESET), SessionPair.transfer(pair.dialerWire, null).stream().map(Seen::type).toList(),
                "should the answer come after all, the peer drops the channel");
        assertInstanceOf(ProtocolNotSupportedException.class, failure(f));
    }

    @Test
    void aPeerThatOverdrawsItsCreditHasItsChannelResetAndTheSessionLivesOn() throws Exception {
        listenerGate = new CompletableFuture<>(); // holds everything: no credit comes back
        pair(recording(new ChannelLimits(CHUNK, CHUNK, 1000, 1)));
        open(pair.dialer);
        int perMessage = CHUNK - ChannelFrames.LENGTH_BYTES; // costs a chunk exactly
        List<ByteBuf> payloads = new ArrayList<>();
        for (int i = 0; i < WINDOW / CHUNK; i++) {
            ByteBuf payload = pair.listenerWire.alloc().buffer(perMessage).writeZero(perMessage);
            payloads.add(payload);
            pair.listenerWire.writeInbound(encoded(new ChatFrame.Data(1, perMessage, payload)));
        }
        assertEquals(List.of(new Seen(ChannelFrames.CREDIT, 1, 9)), SessionPair.transfer(pair.listenerWire, null),
                "the whole window is allowed; the one message the app took (a chunk's worth) is credited back");
        ByteBuf granted = pair.listenerWire.alloc().buffer(perMessage).writeZero(perMessage);
        payloads.add(granted);
        pair.listenerWire.writeInbound(encoded(new ChatFrame.Data(1, perMessage, granted))); // spends that credit
        assertTrue(SessionPair.transfer(pair.listenerWire, null).isEmpty(), "the credit granted is allowed too");
        pair.listenerWire.writeInbound(encoded(new ChatFrame.Data(1, 0, Unpooled.EMPTY_BUFFER))); // even empty messages cost
        assertEquals(List.of(new Seen(ChannelFrames.RESET, 1, 5)), SessionPair.transfer(pair.listenerWire, null));
        ChannelRecorder r = acceptedRecorders.get(0);
        assertEquals(WINDOW / CHUNK + 1, r.messages.size(), "what came within the credit is delivered before the end");
        assertInstanceOf(ChannelViolation.class, r.closed.getNow(null));
        for (ByteBuf p : payloads) assertEquals(0, p.refCnt(), "released");
        assertEquals(0, pair.listener.mux().channelCount());

        pair.dialer.send(ChatMessage.of(null, "the session is fine"));
        pair.pump();
        assertEquals("the session is fine", pair.listenerChat.next().text());
    }

    @Test
    void aMessageOverThePeersLimitResetsTheChannel() throws Exception {
        pair(recording(new ChannelLimits(1000, 1000, 1000, 1)));
        open(pair.dialer);
        pair.listenerWire.writeInbound(encoded(new ChatFrame.Data(1, 1001, Unpooled.wrappedBuffer(new byte[10]))));
        assertEquals(List.of(new Seen(ChannelFrames.RESET, 1, 5)), SessionPair.transfer(pair.listenerWire, null));
        Throwable cause = acceptedRecorders.get(0).closed.getNow(null);
        assertInstanceOf(ChannelViolation.class, cause);
        assertTrue(cause.getMessage().contains("over the limit"), cause.getMessage());
    }

    @Test
    void framesForChannelsThatAreNotOpenAreIgnoredAndReleased() throws Exception {
        pair(recording(ChannelLimits.DEFAULT));
        ByteBuf payload = pair.listenerWire.alloc().buffer(10).writeZero(10);
        for (ChatFrame f : new ChatFrame[] {new ChatFrame.Data(99, 10, payload), new ChatFrame.Credit(99, 10), new ChatFrame.Close(99),
                new ChatFrame.Reset(99), new ChatFrame.Accept(99), new ChatFrame.Refuse(99, "no")}) {
            pair.listenerWire.writeInbound(encoded(f));
        }
        assertEquals(0, payload.refCnt());
        assertTrue(SessionPair.transfer(pair.listenerWire, null).isEmpty());
        assertTrue(pair.listenerWire.isActive());
    }

    @Test
    void anOpenReusingAnIdOrOfTheWrongParityClosesTheConnection() throws Exception {
        pair(recording(ChannelLimits.DEFAULT));
        open(pair.dialer); // id 1
        ChannelRecorder r = acceptedRecorders.get(0);
        pair.listenerWire.writeInbound(encoded(new ChatFrame.Open(1, ID)));
        assertFalse(pair.listenerWire.isActive(), "a reused id is a protocol error");
        assertNotNull(r.closed.getNow(null), "its channels end with a cause");

        SessionPair other = new SessionPair(registry(), registry(recording(ChannelLimits.DEFAULT)));
        other.listenerWire.writeInbound(encoded(new ChatFrame.Open(2, ID)));
        assertFalse(other.listenerWire.isActive(), "even ids are the listener's");
        other.finish();
    }

    @Test
    void aPeerThatKeepsOpeningWhileNotReadingOurRefusalsIsCutOff() throws Exception {
        pair(recording(ChannelLimits.DEFAULT));
        pair.listenerWire.writeInbound(encoded(new ChatFrame.Open(1, "/unknown/1.0.0")));
        assertEquals(List.of(new Seen(ChannelFrames.REFUSE, 1, 5 + "protocol not supported".length())), SessionPair.transfer(pair.listenerWire, null));
        setWritable(pair.listenerWire, false);
        pair.listenerWire.writeInbound(encoded(new ChatFrame.Open(3, "/unknown/1.0.0")));
        assertFalse(pair.listenerWire.isActive());
    }

    @Test
    void theSessionsEndEndsEveryChannelAndPendingOpenWithACause() throws Exception {
        pair(recording(new ChannelLimits(CHUNK, 1 << 20, CHUNK, 4)));
        ProtocolChannel out = open(pair.dialer);
        ChannelRecorder atDialer = new ChannelRecorder();
        out.setListener(atDialer);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 20; i++) sends.add(out.send(message(i, CHUNK)).toCompletableFuture()); // more than the credit
        CompletableFuture<ProtocolChannel> opening = pair.dialer.openChannel(ID).toCompletableFuture();
        pair.dialerWire.runPendingTasks();
        pair.dialerWire.close();
        assertNotNull(atDialer.closed.getNow(null));
        assertFalse(out.isOpen());
        assertTrue(opening.isCompletedExceptionally());
        assertTrue(sends.get(19).isCompletedExceptionally(), "unsent messages fail");
        assertFalse(pair.dialer.isOpen());
        assertTrue(pair.dialer.openChannel(ID).toCompletableFuture().isCompletedExceptionally());
    }
}
