package lanchat.transport.libp2p.yamux;

import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_ACK;
import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_RST;
import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_SYN;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.goAway;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.ping;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.wu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.Acceptor;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.F;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.Probe;
import org.junit.jupiter.api.Test;

/**
 * The bounds that keep a hostile peer from making a session buffer: Data frames checked against the window on
 * their header, ping answers limited to a backlog, a connection whose peer does not read closed at a byte limit,
 * and a closing Go Away given a bounded grace. The session sits behind its real codec and is fed raw bytes.
 */
class YamuxLimitsTest {
    private static final int WINDOW = YamuxConfig.INITIAL_WINDOW;

    private final Acceptor acceptor = new Acceptor();

    /**
     * A connection whose peer reads only once told to: until then whatever is flushed stays queued in the
     * channel's outbound buffer, as on a socket whose peer stopped reading.
     */
    static final class StalledChannel extends EmbeddedChannel {
        private boolean peerReads;

        StalledChannel(ChannelHandler... handlers) {
            super(handlers);
        }

        @Override
        protected void doWrite(ChannelOutboundBuffer in) throws Exception {
            if (peerReads) super.doWrite(in);
        }

        /** Bytes flushed or written that the peer has not read, as Netty counts them for writability. */
        long queuedBytes() {
            ChannelOutboundBuffer queue = unsafe().outboundBuffer();
            return queue == null ? 0 : queue.totalPendingWriteBytes();
        }

        /** The peer reads what is queued, and from now on everything. */
        void peerReads() {
            peerReads = true;
            flush();
        }
    }

    /** Records the type of every frame the session writes, whether or not it ever reaches the peer. */
    static final class WrittenFrames extends ChannelOutboundHandlerAdapter {
        final List<YamuxFrameType> types = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof YamuxFrame f) types.add(f.type());
            ctx.write(msg, promise);
        }
    }

    private static ByteBuf header(YamuxFrameType type, int flags, int id, long length) {
        return Unpooled.buffer(YamuxFrame.HEADER_LENGTH).writeByte(0).writeByte(type.code()).writeShort(flags)
                .writeInt(id).writeInt((int) length);
    }

    /** {@code count} frames in one buffer, i.e. one read of the connection. */
    private static ByteBuf batch(int count, java.util.function.IntFunction<ByteBuf> frame) {
        ByteBuf all = Unpooled.buffer(count * YamuxFrame.HEADER_LENGTH);
        for (int i = 0; i < count; i++) {
            ByteBuf f = frame.apply(i);
            all.writeBytes(f);
            f.release();
        }
        return all;
    }

    private static ByteBuf dataFrame(int id, int flags, int length) {
        return Unpooled.wrappedBuffer(header(YamuxFrameType.DATA, flags, id, length), Unpooled.wrappedBuffer(new byte[length]));
    }

    /** What the peer has read from {@code ch}, decoded back into frames (payloads released). */
    private static List<F> frames(EmbeddedChannel ch) {
        EmbeddedChannel decoder = new EmbeddedChannel(new YamuxFrameDecoder());
        for (Object msg; (msg = ch.readOutbound()) != null; ) decoder.writeInbound(msg);
        List<F> frames = YamuxTestSupport.frames(decoder::readInbound);
        decoder.finishAndReleaseAll();
        return frames;
    }

    // ---- Data frames are checked against the window on their header ----

    @Test
    void aDataFrameLongerThanTheWindowIsRefusedFromItsHeaderAlone() {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), new YamuxSession(false, acceptor));
        // a 16 MiB frame (what the decoder allows at most) of which only the header arrives
        ByteBuf header = header(YamuxFrameType.DATA, FLAG_SYN, 1, 16 << 20);
        ch.writeInbound(header);
        assertFalse(ch.isOpen(), "refused on the header, not after buffering the body");
        assertEquals(0, header.refCnt(), "nothing of it kept");
        assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), frames(ch));
        assertEquals(List.of(), acceptor.probes, "no stream was opened for it");
        ch.finishAndReleaseAll();
    }

    @Test
    void aDataFrameLongerThanWhatIsLeftOfTheStreamsWindowIsRefusedBeforeItsBody() {
        Acceptor manual = new Acceptor(Probe::new, c -> c.config().setAutoRead(false));
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), new YamuxSession(false, manual));
        ch.writeInbound(dataFrame(1, FLAG_SYN, 200 * 1024)); // held unread: no credit comes back
        ch.writeInbound(dataFrame(1, 0, WINDOW - 200 * 1024)); // exactly what is left
        assertTrue(ch.isOpen());
        assertEquals(List.of(wu(1, FLAG_ACK, 0)), frames(ch));
        // the window is used up: one more byte is announced, with a part of its body
        ByteBuf over = Unpooled.wrappedBuffer(header(YamuxFrameType.DATA, 0, 1, 1000), Unpooled.wrappedBuffer(new byte[500]));
        ch.writeInbound(over);
        assertFalse(ch.isOpen());
        assertEquals(0, over.refCnt());
        assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), frames(ch));
        ch.finishAndReleaseAll();
        assertEquals(1, manual.probes.get(0).inactive, "the data already accepted was released with its stream");
    }

    @Test
    void dataForAStreamWeDoNotHaveIsBoundedByTheInitialWindow() {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), new YamuxSession(false, acceptor));
        // a peer may have a window's worth in flight to a stream we closed: that much is discarded, with a RST
        ch.writeInbound(dataFrame(5, 0, WINDOW));
        assertEquals(List.of(wu(5, FLAG_RST, 0)), frames(ch));
        ByteBuf header = header(YamuxFrameType.DATA, 0, 7, WINDOW + 1L);
        ch.writeInbound(header);
        assertFalse(ch.isOpen());
        assertEquals(0, header.refCnt());
        assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), frames(ch));
        ch.finishAndReleaseAll();
    }

    // ---- a peer that does not read ----

    @Test
    void tenThousandPingsFromAPeerThatDoesNotReadGetOnlyThePingBacklogAnswered() {
        StalledChannel ch = new StalledChannel(new YamuxFrameCodec(), new YamuxSession(false, acceptor));
        long maxQueued = 0;
        for (int read = 0; read < 100; read++) {
            int first = read * 100;
            ch.writeInbound(batch(100, i -> header(YamuxFrameType.PING, FLAG_SYN, 0, first + i)));
            maxQueued = Math.max(maxQueued, ch.queuedBytes());
        }
        assertTrue(ch.isOpen(), "unanswered pings cost nothing: no reason to drop the connection");
        // 32 answers of 12 bytes, plus Netty's bookkeeping per queued buffer; 10,000 answers would be ~1 MB
        assertTrue(maxQueued <= 32 * 256, "queued " + maxQueued + " bytes");
        ch.peerReads();
        List<F> answered = frames(ch);
        assertEquals(32, answered.size());
        for (int i = 0; i < 32; i++) assertEquals(ping(FLAG_ACK, i), answered.get(i));
        // once the peer has read them, pings are answered again
        ch.writeInbound(header(YamuxFrameType.PING, FLAG_SYN, 0, 424242));
        assertEquals(List.of(ping(FLAG_ACK, 424242)), frames(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void aPeerThatDoesNotReadIsCutOffWithoutGoAwayOnceOurRepliesPassTheLimit() {
        long limit = 64 * 1024;
        WrittenFrames written = new WrittenFrames();
        // every SYN is refused, and each refusal is a RST that cannot be dropped: the peer awaits it
        YamuxConfig config = YamuxConfig.defaults().withMaxInboundStreams(0).withMaxQueuedOutboundBytes(limit);
        StalledChannel ch = new StalledChannel(new YamuxFrameCodec(), written, new YamuxSession(false, acceptor, config));
        int sent = 0;
        long maxQueued = 0;
        while (ch.isOpen() && sent < 10_000) {
            int first = sent;
            ch.writeInbound(batch(100, i -> header(YamuxFrameType.WINDOW_UPDATE, FLAG_SYN, 2 * (first + i) + 1, 0)));
            sent += 100;
            maxQueued = Math.max(maxQueued, ch.queuedBytes());
        }
        assertFalse(ch.isOpen(), "closed once the peer let more than the limit pile up");
        assertTrue(maxQueued <= limit, "queued " + maxQueued + " bytes");
        assertTrue(sent < 10_000, "closed after " + sent + " SYNs");
        assertFalse(written.types.contains(YamuxFrameType.GO_AWAY), "not even a Go Away is queued for it");
        ch.finishAndReleaseAll();
    }

    /**
     * Issue 13 (c): what a peer that does not read makes us queue is held in the node's budget (beyond the first
     * 64 KiB), so that many such connections together cannot pass the node's memory: when the budget refuses, the
     * connection is closed at once, long before its own 8 MiB limit; everything it held is given back.
     */
    @Test
    void whatIsQueuedForAPeerThatDoesNotReadIsHeldInTheBudgetAndRefusalClosesTheConnection() {
        long budgetLimit = 256 * 1024;
        long[] held = {0};
        long[] most = {0};
        QueueBudget budget = new QueueBudget() {
            @Override
            public boolean reserve(long bytes) {
                if (held[0] + bytes > budgetLimit) return false;
                held[0] += bytes;
                most[0] = Math.max(most[0], held[0]);
                return true;
            }

            @Override
            public void release(long bytes) {
                held[0] -= bytes;
            }
        };
        YamuxConfig config = YamuxConfig.defaults().withMaxInboundStreams(0); // every SYN refused: a RST each, never dropped
        StalledChannel ch = new StalledChannel(new YamuxFrameCodec(), new YamuxSession(false, acceptor, config, StreamBudget.UNLIMITED, budget));
        int sent = 0;
        long maxQueued = 0;
        while (ch.isOpen() && sent < 100_000) {
            int first = sent;
            ch.writeInbound(batch(100, i -> header(YamuxFrameType.WINDOW_UPDATE, FLAG_SYN, 2 * (first + i) + 1, 0)));
            sent += 100;
            maxQueued = Math.max(maxQueued, ch.queuedBytes());
        }
        assertFalse(ch.isOpen(), "closed when the budget refused more");
        assertTrue(most[0] > 0 && most[0] <= budgetLimit, "held " + most[0]);
        assertTrue(maxQueued <= YamuxSession.FREE_QUEUE + budgetLimit + 100 * 64, "queued " + maxQueued + " bytes, far below the 8 MiB of the connection");
        assertEquals(0, held[0], "a closed connection gives back all it held");
        ch.finishAndReleaseAll();
    }

    @Test
    void resetsForDataOnUnknownStreamsWaitForAWritableConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), new YamuxSession(false, acceptor));
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        ch.writeInbound(dataFrame(5, 0, 10));
        assertEquals(List.of(), frames(ch), "the RST is only advice: not queued for a peer that does not read");
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.writeInbound(dataFrame(7, 0, 10));
        assertEquals(List.of(wu(7, FLAG_RST, 0)), frames(ch));
        ch.finishAndReleaseAll();
    }

    // ---- a closing Go Away gets a bounded grace ----

    @Test
    void aGoAwayThePeerDoesNotReadClosesTheConnectionAfterTheGrace() {
        List<Consumer<StalledChannel>> closings = List.of(
                ch -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0})), // version 1
                ch -> ch.pipeline().get(YamuxSession.class).goAway(GoAwayCode.INTERNAL_ERROR));
        for (Consumer<StalledChannel> closing : closings) {
            StalledChannel ch = new StalledChannel(new YamuxFrameCodec(), new YamuxSession(false, acceptor));
            ch.freezeTime(); // only advanceTimeBy moves the clock
            closing.accept(ch);
            assertTrue(ch.isOpen(), "the Go Away gets its grace");
            assertTrue(ch.queuedBytes() > 0, "and waits, unread");
            assertFalse(ch.config().isAutoRead(), "nothing more is read meanwhile");
            ch.advanceTimeBy(999, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertTrue(ch.isOpen());
            ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertFalse(ch.isOpen(), "closed after the default grace of 1 s");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aGoAwayThatLeavesClosesTheConnectionAtOnce() {
        YamuxSession session = new YamuxSession(false, acceptor, YamuxConfig.defaults().withGoAwayGrace(Duration.ofHours(1)));
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), session);
        session.goAway(GoAwayCode.PROTOCOL_ERROR);
        assertFalse(ch.isOpen());
        assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), frames(ch));
        ch.finishAndReleaseAll();
    }
}
