package lanchat.transport.libp2p.yamux;

import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_ACK;
import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_FIN;
import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_RST;
import static lanchat.transport.libp2p.yamux.YamuxFrame.FLAG_SYN;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.bytes;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.data;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.dataOfLength;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.goAway;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.out;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.ping;
import static lanchat.transport.libp2p.yamux.YamuxTestSupport.wu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.util.concurrent.Future;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.Acceptor;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.ConnectionEvents;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.F;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.Probe;
import org.junit.jupiter.api.Test;

/** One session fed hand-built frames; what it writes is read back as frames. */
class YamuxSessionTest {
    private static final int WINDOW = YamuxConfig.INITIAL_WINDOW;
    /** Windows that never grow: the tests of plain crediting see no tuning pings. */
    private static final YamuxConfig FIXED_WINDOWS = YamuxConfig.defaults().withMaxReceiveWindow(WINDOW);

    private final Acceptor acceptor = new Acceptor();
    private final ConnectionEvents connectionEvents = new ConnectionEvents();

    private EmbeddedChannel connection(YamuxSession session) {
        return new EmbeddedChannel(session, connectionEvents);
    }

    private static YamuxStreamChannel open(YamuxSession session, Probe probe) {
        Future<Channel> f = session.openStream(probe);
        assertTrue(f.isSuccess(), () -> String.valueOf(f.cause()));
        return (YamuxStreamChannel) f.getNow();
    }

    // ---- opening ----

    @Test
    void clientOpensOddStreamsWithSynAndSendsDataRightAway() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        Probe probe = new Probe();
        YamuxStreamChannel s1 = open(session, probe);
        YamuxStreamChannel s3 = open(session, new Probe());
        assertEquals(1, s1.streamId());
        assertEquals(3, s3.streamId());
        assertTrue(s1.isActive() && s1.isOutbound() && !s1.isAcknowledged());
        assertEquals(1, probe.active);
        s1.writeAndFlush(bytes("hi"));
        assertEquals(List.of(wu(1, FLAG_SYN, 0), wu(3, FLAG_SYN, 0), data(1, 0, "hi")), out(ch));
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_ACK, 0));
        assertTrue(s1.isAcknowledged());
        assertEquals(2, session.streamCount());
        ch.finishAndReleaseAll();
    }

    @Test
    void serverOpensEvenStreams() {
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = connection(session);
        assertEquals(2, open(session, new Probe()).streamId());
        assertEquals(4, open(session, new Probe()).streamId());
        assertEquals(List.of(wu(2, FLAG_SYN, 0), wu(4, FLAG_SYN, 0)), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void largerReceiveWindowIsAnnouncedInTheSyn() {
        YamuxSession session = new YamuxSession(true, acceptor, YamuxConfig.defaults().withReceiveWindow(WINDOW * 4));
        EmbeddedChannel ch = connection(session);
        open(session, new Probe());
        assertEquals(List.of(wu(1, FLAG_SYN, 3L * WINDOW)), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void inboundSynCreatesAStreamAndAcknowledgesIt() {
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = connection(session);
        ByteBuf hello = bytes("hello");
        ch.writeInbound(YamuxFrame.data(1, FLAG_SYN, hello));
        assertEquals(0, hello.refCnt(), "delivered and released by the probe");
        assertEquals(1, acceptor.probes.size());
        Probe probe = acceptor.probes.get(0);
        assertEquals("hello", probe.text());
        assertEquals(1, probe.readCompletes);
        assertEquals(List.of(wu(1, FLAG_ACK, 0)), out(ch));
        assertTrue(probe.stream().isAcknowledged() && !probe.stream().isOutbound());

        probe.channel.writeAndFlush(bytes("world"));
        assertEquals(List.of(data(1, 0, "world")), out(ch));
        ch.finishAndReleaseAll();
        assertEquals(1, probe.inactive);
    }

    // ---- half-close, close, reset ----

    @Test
    void finHalfClosesAndTheStreamCanStillAnswer() {
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.data(1, FLAG_SYN, bytes("request")));
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_FIN, 0));
        Probe probe = acceptor.probes.get(0);
        assertEquals(List.of(ChannelInputShutdownEvent.INSTANCE,
                io.netty.channel.socket.ChannelInputShutdownReadComplete.INSTANCE), probe.events);
        YamuxStreamChannel stream = probe.stream();
        assertTrue(stream.isOpen() && stream.isInputShutdown() && !stream.isOutputShutdown());
        stream.write(bytes("resp"));
        ChannelFuture fin = stream.shutdownOutput();
        assertTrue(fin.isSuccess());
        // FIN rides on the last data frame; both sides are done, so the stream closes by itself
        assertEquals(List.of(wu(1, FLAG_ACK, 0), data(1, FLAG_FIN, "resp")), out(ch));
        assertFalse(stream.isOpen());
        ch.runPendingTasks(); // channelInactive comes from a task, as on a real event loop
        assertEquals(1, probe.inactive);
        assertEquals(0, session.streamCount());
        ch.finishAndReleaseAll();
    }

    @Test
    void finIsDeliveredAfterQueuedDataWhenAutoReadIsOff() {
        Acceptor manual = new Acceptor(Probe::new, c -> c.config().setAutoRead(false));
        YamuxSession session = new YamuxSession(false, manual);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.data(1, FLAG_SYN | FLAG_FIN, bytes("abc")));
        Probe probe = manual.probes.get(0);
        assertEquals("", probe.text());
        assertEquals(List.of(), probe.events, "the FIN waits behind the unread data");
        probe.channel.read();
        assertEquals("abc", probe.text());
        assertEquals(ChannelInputShutdownEvent.INSTANCE, probe.events.get(0));
        ch.finishAndReleaseAll();
    }

    @Test
    void halfClosureCanBeTurnedOff() {
        Acceptor strict = new Acceptor(Probe::new, c -> c.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false));
        YamuxSession session = new YamuxSession(false, strict);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN | FLAG_FIN, 0));
        Probe probe = strict.probes.get(0);
        assertFalse(probe.channel.isOpen());
        assertEquals(List.of(wu(1, FLAG_ACK, 0), wu(1, FLAG_FIN, 0)), out(ch));
        assertEquals(false, probe.channel.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE));
        ch.finishAndReleaseAll();
    }

    @Test
    void closeSendsFinAndForgetsTheStream() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        Probe probe = new Probe();
        YamuxStreamChannel s = open(session, probe);
        s.close();
        ch.runPendingTasks(); // channelInactive comes from a task, as on a real event loop
        assertEquals(List.of(wu(1, FLAG_SYN, 0), wu(1, FLAG_FIN, 0)), out(ch));
        assertEquals(0, session.streamCount());
        assertEquals(1, probe.inactive);
        // late data from the peer is released and answered with RST so its writer stops
        ByteBuf late = bytes("late");
        ch.writeInbound(YamuxFrame.data(1, 0, late));
        assertEquals(0, late.refCnt());
        assertEquals(List.of(wu(1, FLAG_RST, 0)), out(ch));
        // a late FIN is simply ignored
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_FIN, 0));
        assertEquals(List.of(), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void peerResetFailsPendingWritesAndClosesTheStream() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        Probe probe = new Probe();
        YamuxStreamChannel s = open(session, probe);
        ByteBuf big = Unpooled.wrappedBuffer(new byte[WINDOW + 10]);
        ChannelFuture write = s.writeAndFlush(big);
        assertFalse(write.isDone(), "10 bytes wait for window");
        out(ch);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_RST, 0));
        assertInstanceOf(YamuxStreamResetException.class, write.cause());
        assertEquals(0, big.refCnt());
        assertEquals(List.of(new StreamReset(1)), probe.events);
        assertFalse(s.isOpen());
        assertEquals(1, probe.inactive);
        assertEquals(List.of(), out(ch), "no FIN or RST answers a RST");
        ch.finishAndReleaseAll();
    }

    @Test
    void localResetSendsRst() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        YamuxStreamChannel s = open(session, new Probe());
        assertTrue(s.reset().isSuccess());
        assertEquals(List.of(wu(1, FLAG_SYN, 0), wu(1, FLAG_RST, 0)), out(ch));
        assertEquals(0, session.streamCount());
        ch.finishAndReleaseAll();
    }

    @Test
    void closingWithUnsentDataSendsRstNotFin() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        YamuxStreamChannel s = open(session, new Probe());
        ChannelFuture write = s.writeAndFlush(Unpooled.wrappedBuffer(new byte[WINDOW + 1]));
        out(ch);
        s.close();
        assertInstanceOf(ClosedChannelException.class, write.cause());
        assertEquals(List.of(wu(1, FLAG_RST, 0)), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void writesAfterShutdownOutputFail() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        YamuxStreamChannel s = open(session, new Probe());
        s.shutdownOutput();
        ByteBuf late = bytes("x");
        assertInstanceOf(ChannelOutputShutdownException.class, s.writeAndFlush(late).cause());
        assertEquals(0, late.refCnt());
        assertEquals(List.of(wu(1, FLAG_SYN, 0), wu(1, FLAG_FIN, 0)), out(ch));
        ch.finishAndReleaseAll();
    }

    // ---- unknown ids, limits, protocol errors ----

    @Test
    void framesForUnknownStreamsAreReleased() {
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = connection(session);
        ByteBuf data = bytes("??");
        ch.writeInbound(YamuxFrame.data(5, 0, data));
        assertEquals(0, data.refCnt());
        ch.writeInbound(YamuxFrame.windowUpdate(7, 0, 100), YamuxFrame.data(9, FLAG_RST, bytes("x")));
        assertEquals(List.of(wu(5, FLAG_RST, 0)), out(ch));
        assertTrue(ch.isOpen());
        assertEquals(0, session.streamCount());
        ch.finishAndReleaseAll();
    }

    @Test
    void synsBeyondTheStreamLimitAreReset() {
        YamuxSession session = new YamuxSession(false, acceptor, YamuxConfig.defaults().withMaxInboundStreams(2));
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 0), YamuxFrame.windowUpdate(3, FLAG_SYN, 0));
        ByteBuf refused = bytes("refused");
        ch.writeInbound(YamuxFrame.data(5, FLAG_SYN, refused));
        assertEquals(0, refused.refCnt());
        assertEquals(List.of(wu(1, FLAG_ACK, 0), wu(3, FLAG_ACK, 0), wu(5, FLAG_RST, 0)), out(ch));
        assertEquals(2, acceptor.probes.size());
        // closing one makes room again
        acceptor.probes.get(0).channel.close();
        ch.writeInbound(YamuxFrame.windowUpdate(7, FLAG_SYN, 0));
        assertEquals(List.of(wu(1, FLAG_FIN, 0), wu(7, FLAG_ACK, 0)), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void outboundLimitsFailOpenStream() {
        YamuxSession session = new YamuxSession(true, acceptor,
                YamuxConfig.defaults().withMaxOutboundStreams(3).withMaxAckBacklog(2));
        EmbeddedChannel ch = connection(session);
        open(session, new Probe());
        open(session, new Probe());
        Future<Channel> third = session.openStream(new Probe());
        assertTrue(third.cause().getMessage().contains("maxAckBacklog"), third.cause().getMessage());
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_ACK, 0));
        open(session, new Probe());
        Future<Channel> fourth = session.openStream(new Probe());
        assertTrue(fourth.cause().getMessage().contains("maxOutboundStreams"), fourth.cause().getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void windowOverflowIsAProtocolError() {
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = connection(session);
        ByteBuf tooMuch = Unpooled.wrappedBuffer(new byte[WINDOW + 1]);
        ch.writeInbound(YamuxFrame.data(1, FLAG_SYN, tooMuch));
        assertEquals(0, tooMuch.refCnt());
        assertEquals(List.of(wu(1, FLAG_ACK, 0), goAway(GoAwayCode.PROTOCOL_ERROR)), out(ch));
        assertFalse(ch.isOpen());
        assertEquals(1, acceptor.probes.get(0).inactive);
        ch.finishAndReleaseAll();
    }

    @Test
    void windowOverflowAcrossFramesWhileTheReaderIsStalled() {
        Acceptor manual = new Acceptor(Probe::new, c -> c.config().setAutoRead(false));
        YamuxSession session = new YamuxSession(false, manual);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 0));
        ByteBuf first = Unpooled.wrappedBuffer(new byte[WINDOW]);
        ByteBuf second = Unpooled.wrappedBuffer(new byte[1]);
        ch.writeInbound(YamuxFrame.data(1, 0, first));
        assertTrue(ch.isOpen());
        ch.writeInbound(YamuxFrame.data(1, 0, second));
        assertFalse(ch.isOpen());
        assertEquals(0, first.refCnt(), "queued data released on teardown");
        assertEquals(0, second.refCnt());
        assertEquals(goAway(GoAwayCode.PROTOCOL_ERROR), out(ch).get(1));
        ch.finishAndReleaseAll();
    }

    @Test
    void badStreamIdsAreProtocolErrors() {
        for (YamuxFrame bad : List.of(
                YamuxFrame.windowUpdate(2, FLAG_SYN, 0),   // even ids are the server's own
                YamuxFrame.data(0, 0, bytes("zero")))) {    // data on the session id
            YamuxSession session = new YamuxSession(false, acceptor);
            EmbeddedChannel ch = new EmbeddedChannel(session);
            ch.writeInbound(bad);
            assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), out(ch));
            assertFalse(ch.isOpen());
            ch.finishAndReleaseAll();
        }
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 0), YamuxFrame.windowUpdate(1, FLAG_SYN, 0));
        assertEquals(List.of(wu(1, FLAG_ACK, 0), goAway(GoAwayCode.PROTOCOL_ERROR)), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void decoderErrorsBecomeGoAway() {
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = new EmbeddedChannel(new YamuxFrameCodec(), session);
        ch.writeInbound(lanchat.transport.libp2p.Wire.buf(lanchat.transport.libp2p.Wire.hex(
                "01 00 0000 00000001 00000000")));
        assertFalse(ch.isOpen());
        ByteBuf header = ch.readOutbound();
        assertEquals(3, header.getByte(1)); // Go Away
        assertEquals(1, header.getInt(8));  // protocol error
        header.release();
        ch.finishAndReleaseAll();
    }

    // ---- flow control ----

    @Test
    void exhaustedWindowBlocksTheWriterUntilAWindowUpdate() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        Probe probe = new Probe();
        YamuxStreamChannel s = open(session, probe);
        out(ch);
        ByteBuf payload = Unpooled.wrappedBuffer(new byte[300 * 1024]);
        ChannelFuture write = s.writeAndFlush(payload);
        List<F> sent = out(ch);
        // 256 KiB in 64 KiB frames, then the stream waits
        assertEquals(List.of(dataOfLength(1, 0, 65536), dataOfLength(1, 0, 65536), dataOfLength(1, 0, 65536),
                dataOfLength(1, 0, 65536)), sent);
        assertFalse(write.isDone());
        assertFalse(s.isWritable(), "back-pressure reaches the application");
        assertEquals(1, payload.refCnt(), "held once, by the stream's outbound buffer");

        ch.writeInbound(YamuxFrame.windowUpdate(1, 0, 20 * 1024));
        assertEquals(List.of(dataOfLength(1, 0, 20 * 1024)), out(ch));
        assertFalse(write.isDone());
        ch.writeInbound(YamuxFrame.windowUpdate(1, 0, 100 * 1024));
        assertEquals(List.of(dataOfLength(1, 0, 24 * 1024)), out(ch));
        assertTrue(write.isSuccess());
        assertTrue(s.isWritable());
        assertEquals(0, payload.refCnt());
        ch.finishAndReleaseAll();
    }

    @Test
    void windowUpdateOverflowIsAProtocolError() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        open(session, new Probe());
        out(ch);
        ch.writeInbound(YamuxFrame.windowUpdate(1, 0, YamuxFrame.MAX_LENGTH));
        assertEquals(List.of(goAway(GoAwayCode.PROTOCOL_ERROR)), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void windowUpdatesFollowConsumptionInHalfWindowSteps() {
        YamuxSession session = new YamuxSession(false, acceptor, FIXED_WINDOWS);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.data(1, FLAG_SYN, Unpooled.wrappedBuffer(new byte[100 * 1024])));
        assertEquals(List.of(wu(1, FLAG_ACK, 0)), out(ch), "below half the window: no update yet");
        ch.writeInbound(YamuxFrame.data(1, 0, Unpooled.wrappedBuffer(new byte[28 * 1024])));
        assertEquals(List.of(wu(1, 0, 128 * 1024)), out(ch));
        // the peer may now send a full window again
        ch.writeInbound(YamuxFrame.data(1, 0, Unpooled.wrappedBuffer(new byte[WINDOW])));
        assertTrue(ch.isOpen());
        assertEquals(List.of(wu(1, 0, WINDOW)), out(ch));
        assertEquals(100 * 1024 + 28 * 1024 + WINDOW, acceptor.probes.get(0).received.size());
        ch.finishAndReleaseAll();
    }

    @Test
    void aStalledReaderGetsNoWindowUpdatesAndDataWaitsBounded() {
        Acceptor manual = new Acceptor(Probe::new, c -> c.config().setAutoRead(false));
        YamuxSession session = new YamuxSession(false, manual, FIXED_WINDOWS);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 0));
        Probe probe = manual.probes.get(0);
        out(ch);
        ByteBuf a = Unpooled.wrappedBuffer(new byte[150 * 1024]);
        ByteBuf b = Unpooled.wrappedBuffer(new byte[50 * 1024]);
        ch.writeInbound(YamuxFrame.data(1, 0, a), YamuxFrame.data(1, 0, b));
        assertEquals(0, probe.received.size());
        assertEquals(List.of(), out(ch), "nothing consumed, nothing credited");
        assertEquals(1, a.refCnt());
        probe.channel.read();
        assertEquals(200 * 1024, probe.received.size());
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
        // credited per buffer as it is delivered: 150 KiB crosses half the window, the last 50 KiB not yet
        assertEquals(List.of(wu(1, 0, 150 * 1024)), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void aReaderThatTurnsAutoReadOffGetsNoMoreOfTheQueueUntilItReads() {
        List<Integer> got = new java.util.ArrayList<>();
        Acceptor pausing = new Acceptor(Probe::new, c -> {
            c.config().setAutoRead(false);
            c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                    got.add(((ByteBuf) msg).readableBytes());
                    ctx.channel().config().setAutoRead(false); // as a protocol channel pauses at its receive buffer
                    ctx.fireChannelRead(msg);
                }
            });
        });
        YamuxSession session = new YamuxSession(false, pausing, FIXED_WINDOWS);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 0));
        Probe probe = pausing.probes.get(0);
        ch.writeInbound(YamuxFrame.data(1, 0, Unpooled.wrappedBuffer(new byte[10 * 1024])),
                YamuxFrame.data(1, 0, Unpooled.wrappedBuffer(new byte[20 * 1024])),
                YamuxFrame.data(1, 0, Unpooled.wrappedBuffer(new byte[30 * 1024])));
        assertEquals(List.of(), got);
        probe.channel.config().setAutoRead(true);
        assertEquals(List.of(10 * 1024), got, "paused again after the first buffer: the rest waits");
        probe.channel.read();
        assertEquals(List.of(10 * 1024, 20 * 1024, 30 * 1024), got, "one read(): the queued batch");
        assertEquals(60 * 1024, probe.received.size());
        ch.finishAndReleaseAll();
    }

    @Test
    void aLargerWindowAnnouncedByThePeerIsUsed() {
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 3L * WINDOW)); // the peer grants 1 MiB
        YamuxStreamChannel s = acceptor.probes.get(0).stream();
        ChannelFuture write = s.writeAndFlush(Unpooled.wrappedBuffer(new byte[4 * WINDOW]));
        assertTrue(write.isSuccess(), "1 MiB fits the announced window");
        long sent = out(ch).stream().filter(f -> f.type() == YamuxFrameType.DATA).mapToLong(F::length).sum();
        assertEquals(4L * WINDOW, sent);
        ch.finishAndReleaseAll();
    }

    @Test
    void shutdownInputDiscardsButKeepsCreditingThePeer() {
        YamuxSession session = new YamuxSession(false, acceptor, FIXED_WINDOWS);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 0));
        Probe probe = acceptor.probes.get(0);
        YamuxStreamChannel s = probe.stream();
        assertTrue(s.shutdownInput().isSuccess());
        assertTrue(s.isInputShutdown());
        ByteBuf ignored = Unpooled.wrappedBuffer(new byte[WINDOW]);
        ch.writeInbound(YamuxFrame.data(1, 0, ignored));
        assertEquals(0, ignored.refCnt());
        assertEquals(0, probe.received.size());
        assertEquals(List.of(wu(1, FLAG_ACK, 0), wu(1, 0, WINDOW)), out(ch), "the peer is not stalled");
        // both FINs, one each way: the stream closes by itself
        s.shutdownOutput();
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_FIN, 0));
        assertFalse(s.isOpen());
        assertEquals(0, session.streamCount());
        ch.finishAndReleaseAll();
    }

    // ---- window tuning ----

    private static final int KIB = 1024;
    private static final long MS = 1_000_000;

    /** Puts {@code session} on the virtual clock {@code now} and has the peer open stream 1 (the acceptor's first probe). */
    private EmbeddedChannel clocked(YamuxSession session, long[] now) {
        session.useClock(() -> now[0]);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 0));
        return ch;
    }

    /** Feeds {@code bytes} of data on stream 1 in 64 KiB frames (what go-yamux sends at most). */
    private static void send(EmbeddedChannel ch, int bytes) {
        for (int left = bytes; left > 0; left -= 64 * KIB) {
            ch.writeInbound(YamuxFrame.data(1, 0, Unpooled.wrappedBuffer(new byte[Math.min(left, 64 * KIB)])));
        }
    }

    @Test
    void aWindowThePeerFillsWithinFourRoundTripsDoublesUpToTheMaximum() {
        long[] now = {0};
        YamuxSession session = new YamuxSession(false, acceptor, YamuxConfig.defaults().withMaxReceiveWindow(4 * WINDOW));
        EmbeddedChannel ch = clocked(session, now);
        YamuxStreamChannel s = acceptor.probes.get(0).stream();
        out(ch);
        // no round trip known yet: the first update measures one and grants no more than was consumed
        now[0] += MS;
        send(ch, 128 * KIB);
        assertEquals(List.of(ping(FLAG_SYN, 0), wu(1, 0, 128 * KIB)), out(ch));
        now[0] += MS / 5;
        ch.writeInbound(YamuxFrame.ping(FLAG_ACK, 0)); // round trip 0.2 ms
        // half the window used 0.5 ms after the last update, under 4 round trips: the window doubles
        now[0] += MS / 2;
        send(ch, 128 * KIB);
        assertEquals(List.of(wu(1, 0, 128 * KIB + WINDOW)), out(ch));
        assertEquals(2 * WINDOW, s.windowSize());
        now[0] += MS / 2;
        send(ch, 256 * KIB);
        assertEquals(List.of(wu(1, 0, 256 * KIB + 2 * WINDOW)), out(ch));
        assertEquals(4 * WINDOW, s.windowSize());
        // at the maximum it stays; the peer may send all of it
        now[0] += MS / 2;
        send(ch, 4 * WINDOW);
        assertEquals(List.of(wu(1, 0, 2 * WINDOW), wu(1, 0, 2 * WINDOW)), out(ch));
        assertEquals(4 * WINDOW, s.windowSize());
        assertEquals(128 * KIB * 2 + 256 * KIB + 4 * WINDOW, acceptor.probes.get(0).received.size());
        assertTrue(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void aPeerSlowerThanFourRoundTripsPerHalfWindowKeepsTheWindowAndAnOldRoundTripIsMeasuredAgain() {
        long[] now = {0};
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = clocked(session, now);
        YamuxStreamChannel s = acceptor.probes.get(0).stream();
        send(ch, 128 * KIB);
        out(ch);
        ch.writeInbound(YamuxFrame.ping(FLAG_ACK, 0)); // round trip 0 → counted as 1 ns, then:
        now[0] += MS;
        ch.writeInbound(YamuxFrame.ping(FLAG_SYN, 7)); // (the peer's pings are answered, not measured)
        assertEquals(List.of(ping(FLAG_ACK, 7)), out(ch));
        for (int i = 0; i < 3; i++) {
            now[0] += MS;
            send(ch, 128 * KIB);
            assertEquals(List.of(wu(1, 0, 128 * KIB)), out(ch), "1 ms per half window, round trip ~0: no growth");
        }
        assertEquals(WINDOW, s.windowSize());
        // 30 s later the round trip is measured again; it was 0.4 ms, so the next fast half window grows
        now[0] += YamuxSession.RTT_MAX_AGE_NANOS + MS;
        send(ch, 128 * KIB);
        assertEquals(List.of(ping(FLAG_SYN, 1), wu(1, 0, 128 * KIB)), out(ch));
        now[0] += 2 * MS / 5;
        ch.writeInbound(YamuxFrame.ping(FLAG_ACK, 1));
        now[0] += MS;
        send(ch, 128 * KIB);
        assertEquals(List.of(wu(1, 0, 128 * KIB + WINDOW)), out(ch));
        assertEquals(2 * WINDOW, s.windowSize());
        ch.finishAndReleaseAll();
    }

    @Test
    void aGrownWindowShrinksBackWhileAnotherStreamCarriesDataAndGrowsOnlyAlone() {
        long[] now = {0};
        YamuxSession session = new YamuxSession(false, acceptor, YamuxConfig.defaults().withMaxReceiveWindow(4 * WINDOW));
        EmbeddedChannel ch = clocked(session, now);
        YamuxStreamChannel bulk = acceptor.probes.get(0).stream();
        now[0] += 2 * YamuxSession.SHARED_NANOS;
        send(ch, 128 * KIB);
        now[0] += MS / 10;
        ch.writeInbound(YamuxFrame.ping(FLAG_ACK, 0));
        for (int i = 0; i < 2; i++) {
            now[0] += MS / 10;
            send(ch, (int) bulk.windowSize() / 2);
        }
        assertEquals(4 * WINDOW, bulk.windowSize(), "alone on the connection: grown to the maximum");
        out(ch);
        // a chat line on another stream: the bulk stream's credit now goes to shrinking its window
        ch.writeInbound(YamuxFrame.data(3, FLAG_SYN, bytes("hi")));
        out(ch);
        now[0] += MS / 10;
        send(ch, 2 * WINDOW);
        assertEquals(2 * WINDOW, bulk.windowSize());
        assertEquals(List.of(), out(ch), "2 MiB consumed, all of it taken off the window: no update");
        now[0] += MS / 10;
        send(ch, WINDOW);
        assertEquals(WINDOW, bulk.windowSize());
        assertEquals(List.of(), out(ch));
        now[0] += MS / 10;
        send(ch, WINDOW / 2);
        assertEquals(List.of(wu(1, 0, WINDOW / 2)), out(ch), "back at the initial window: plain credit, no growth while shared");
        assertEquals(WINDOW, bulk.windowSize());
        // a second after the other stream's last data the bulk stream is alone again and grows
        now[0] += YamuxSession.SHARED_NANOS;
        send(ch, WINDOW / 2);
        out(ch);
        now[0] += MS / 10;
        send(ch, WINDOW / 2);
        assertEquals(List.of(wu(1, 0, WINDOW / 2 + WINDOW)), out(ch));
        assertEquals(2 * WINDOW, bulk.windowSize());
        assertEquals(2, acceptor.probes.get(1).received.size(), "the chat line was delivered");
        ch.finishAndReleaseAll();
    }

    @Test
    void growthTheBudgetRefusesLeavesTheWindowAndEveryReservationIsGivenBackOnClose() {
        long[] now = {0};
        long[] held = {0};
        long cap = WINDOW + WINDOW; // room for the first stream's one doubling only
        StreamBudget budget = (inbound, bytes) -> {
            held[0] += bytes;
            long[] mine = {bytes};
            return java.util.Optional.of(new StreamBudget.Reservation() {
                @Override
                public boolean grow(long more) {
                    if (held[0] + more > cap) return false;
                    held[0] += more;
                    mine[0] += more;
                    return true;
                }

                @Override
                public void release() {
                    held[0] -= mine[0];
                }
            });
        };
        YamuxSession session = new YamuxSession(false, acceptor, YamuxConfig.defaults(), budget);
        EmbeddedChannel ch = clocked(session, now);
        YamuxStreamChannel s = acceptor.probes.get(0).stream();
        send(ch, 128 * KIB);
        now[0] += MS / 10;
        ch.writeInbound(YamuxFrame.ping(FLAG_ACK, 0));
        out(ch);
        for (int i = 0; i < 3; i++) {
            now[0] += MS / 10;
            send(ch, (int) s.windowSize() / 2);
        }
        assertEquals(2 * WINDOW, s.windowSize(), "grown once; the budget refused the next doubling");
        assertEquals(cap, held[0]);
        assertTrue(ch.isOpen());
        s.close();
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_FIN, 0));
        assertEquals(0, session.streamCount());
        assertEquals(0, held[0], "the growth is given back with the stream");
        ch.finishAndReleaseAll();
    }

    // ---- ping and go away ----

    @Test
    void pingsAreAnsweredAndOursAreMeasuredOneAtATime() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        ch.writeInbound(YamuxFrame.ping(FLAG_SYN, 42));
        assertEquals(List.of(ping(FLAG_ACK, 42)), out(ch));

        Future<Duration> rtt = session.ping();
        Future<Duration> joined = session.ping();
        assertEquals(List.of(ping(FLAG_SYN, 0)), out(ch), "one ping in flight (go-yamux): the second shares its answer");
        ch.writeInbound(YamuxFrame.ping(FLAG_ACK, 7)); // unsolicited: ignored
        assertFalse(rtt.isDone());
        ch.writeInbound(YamuxFrame.ping(FLAG_ACK, 0));
        assertTrue(rtt.isSuccess() && joined.isSuccess());
        assertEquals(rtt.getNow(), joined.getNow());
        assertFalse(rtt.getNow().isNegative());
        Future<Duration> next = session.ping();
        assertEquals(List.of(ping(FLAG_SYN, 1)), out(ch), "once answered, the next ping is a new one");
        ch.close();
        assertInstanceOf(ClosedChannelException.class, next.cause(), "a waiting ping fails on close");
        ch.finishAndReleaseAll();
    }

    @Test
    void normalGoAwayStopsNewStreamsButKeepsOldOnes() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        YamuxStreamChannel s = open(session, new Probe());
        ch.writeInbound(YamuxFrame.goAway(GoAwayCode.NORMAL));
        assertEquals(List.of(new GoAwayReceived(0)), connectionEvents.events);
        assertTrue(session.openStream(new Probe()).cause().getMessage().contains("going away"));
        assertTrue(s.isOpen());
        s.writeAndFlush(bytes("still here"));
        assertEquals(List.of(wu(1, FLAG_SYN, 0), data(1, 0, "still here")), out(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void errorGoAwayClosesEverything() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        Probe probe = new Probe();
        open(session, probe);
        out(ch);
        ch.writeInbound(YamuxFrame.goAway(GoAwayCode.INTERNAL_ERROR));
        assertEquals(List.of(new GoAwayReceived(2)), connectionEvents.events);
        assertFalse(ch.isOpen());
        assertEquals(1, probe.inactive);
        assertEquals(List.of(), out(ch), "no Go Away in answer");
        ch.finishAndReleaseAll();
    }

    @Test
    void localGoAwayRefusesNewInboundStreams() {
        YamuxSession session = new YamuxSession(false, acceptor);
        EmbeddedChannel ch = connection(session);
        assertTrue(session.goAway(GoAwayCode.NORMAL).isSuccess());
        ch.writeInbound(YamuxFrame.windowUpdate(1, FLAG_SYN, 0));
        assertEquals(List.of(goAway(GoAwayCode.NORMAL), wu(1, FLAG_RST, 0)), out(ch));
        assertTrue(ch.isOpen());
        ch.close();
        assertEquals(List.of(), out(ch), "Go Away is sent once");
        ch.finishAndReleaseAll();
    }

    @Test
    void closingTheConnectionSendsGoAwayAndClosesEveryStreamOnce() {
        YamuxSession session = new YamuxSession(true, acceptor);
        EmbeddedChannel ch = connection(session);
        Probe[] mine = {new Probe(), new Probe(), new Probe()};
        for (Probe p : mine) open(session, p);
        ch.writeInbound(YamuxFrame.windowUpdate(2, FLAG_SYN, 0), YamuxFrame.windowUpdate(4, FLAG_SYN, 0));
        ByteBuf queued = Unpooled.wrappedBuffer(new byte[WINDOW + 5]);
        ChannelFuture pending = mine[0].channel.writeAndFlush(queued);
        out(ch);
        assertEquals(5, session.streamCount());
        ch.close();
        assertEquals(List.of(goAway(GoAwayCode.NORMAL)), out(ch));
        for (Probe p : mine) assertEquals(1, p.inactive);
        for (Probe p : acceptor.probes) assertEquals(1, p.inactive);
        assertEquals(0, session.streamCount());
        assertInstanceOf(ClosedChannelException.class, pending.cause());
        assertEquals(0, queued.refCnt());
        assertInstanceOf(ClosedChannelException.class, session.openStream(new Probe()).cause());
        ch.finishAndReleaseAll();
        for (Probe p : mine) assertEquals(1, p.inactive, "still exactly once");
    }

    @Test
    void streamHandlerMayCloseTheConnectionWhileReading() {
        Acceptor killer = new Acceptor(() -> new Probe() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                super.channelRead(ctx, msg);
                ctx.channel().parent().close();
            }
        }, c -> {});
        YamuxSession session = new YamuxSession(false, killer);
        EmbeddedChannel ch = connection(session);
        ByteBuf data = bytes("bye");
        ch.writeInbound(YamuxFrame.data(1, FLAG_SYN | FLAG_FIN, data));
        assertFalse(ch.isOpen());
        assertEquals(0, data.refCnt());
        assertEquals(1, killer.probes.get(0).inactive);
        ch.finishAndReleaseAll();
    }

    @Test
    void constructorValidates() {
        ChannelInboundHandlerAdapter notSharable = new ChannelInboundHandlerAdapter();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new YamuxSession(true, notSharable));
        assertTrue(e.getMessage().contains("@Sharable"));
        assertThrows(IllegalArgumentException.class, () -> YamuxConfig.defaults().withReceiveWindow(1024));
        assertThrows(IllegalArgumentException.class, () -> YamuxConfig.defaults().withMaxDataFrameSize(0));
        assertNotNull(new YamuxSession(true, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
            }

            @Override
            public boolean isSharable() {
                return true;
            }
        }));
        assertTrue(new YamuxSession(true, acceptor).openStream(new Probe()).cause() instanceof IllegalStateException);
    }
}
