package lanchat.transport.libp2p.yamux;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderException;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A yamux session ({@code /yamux/1.0.0}) on a secured connection: it sits after {@link YamuxFrameCodec} and
 * turns the frames into streams, each a child {@link YamuxStreamChannel} on the same event loop, in the way
 * Netty's {@code Http2MultiplexHandler} does for HTTP/2.
 *
 * <pre>
 * connection pipeline:  ... | secure channel | YamuxFrameCodec | YamuxSession
 *                                                                   |-- stream 1: [openStream handler ...]
 *                                                                   |-- stream 2: [inboundStreamHandler ...]
 *
 *   SYN   (peer) -&gt; new child channel, inboundStreamHandler added, ACK sent; too many streams -&gt; RST
 *   ACK, FIN, RST, Data, Window Update -&gt; the stream's channel (see YamuxStreamChannel)
 *   frames for an id we do not know -&gt; released; Data gets a RST so the sender stops
 *   Ping SYN -&gt; Ping ACK with the same value (none beyond the ping backlog);  Ping ACK -&gt; completes {@link #ping()}
 *   Go Away -&gt; {@link GoAwayReceived}; an error code also closes the connection
 *   window overflow, bad stream ids, undecodable frames -&gt; Go Away (protocol error) and close
 *   more than maxQueuedOutboundBytes waiting for the peer to read -&gt; closed at once, no Go Away
 * </pre>
 *
 * <p>Streams opened here get odd ids when {@code client} is true (the side that dialled the connection)
 * and even ids otherwise. {@link #openStream} returns the stream's channel as soon as the SYN is written,
 * without waiting for the ACK (the peer may still refuse it with RST), so a protocol can send its first
 * bytes at once. Writes from all streams go out through {@code ctx.write} and are flushed once per read
 * batch or per stream flush. Closing the connection sends Go Away (normal) first; when the connection goes
 * inactive every stream is closed, exactly once. The limits that keep a hostile peer from making us buffer
 * are described in the package documentation.
 *
 * <p>An inbound stream is acknowledged as soon as it is accepted, as go-yamux does on {@code Accept}; the
 * limit on concurrent inbound streams, not a delayed ACK, is what pushes back on a peer opening too many.
 * Windows start at {@link YamuxConfig#receiveWindow()} and grow up to {@link YamuxConfig#maxReceiveWindow()} while
 * the peer sends faster than they let it, and back while other streams carry data ({@link #windowChange}); growth is
 * reserved from the {@link StreamBudget}.
 *
 * <p>All methods may be called from any thread; work is done on the connection's event loop.
 */
public class YamuxSession extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(YamuxSession.class);
    /**
     * Control frames (window updates, pings, RSTs) one read batch may write before they are flushed and the queue
     * checked: a batch of up to a MiB of 12-byte frames could otherwise hold some 87,000 answers in the layers below
     * until its end.
     */
    static final int CONTROL_BYTES_PER_FLUSH = 16 * 1024;

    private final boolean client;
    private final ChannelHandler inboundStreamHandler;
    private final YamuxConfig config;

    // Everything below is touched on the event loop only.
    private volatile ChannelHandlerContext ctx;
    private final IntObjectHashMap<YamuxStreamChannel> streams = new IntObjectHashMap<>();
    private long nextStreamId;
    private int inboundStreams;
    private int outboundStreams;
    private int ackBacklog;
    private boolean goAwaySent;
    private boolean goAwayReceived;
    private boolean closed;
    private boolean inReadLoop;
    private boolean flushPending;
    private int controlBytesUnflushed;
    private final List<YamuxStreamChannel> readCompletePending = new ArrayList<>();
    private final ArrayDeque<YamuxStreamChannel> blockedOnParent = new ArrayDeque<>();
    /** Our ping awaiting its answer; at most one, as in go-yamux: a second ping() shares its answer. */
    private PendingPing ownPing;
    private long nextPingId;
    /** Answers to the peer's pings written but not yet taken by the socket. */
    private int pingAnswersQueued;
    private final StreamBudget budget;
    /** What each open stream reserved from the budget, by stream id; given back when it closes. */
    private final IntObjectHashMap<StreamBudget.Reservation> reservations = new IntObjectHashMap<>();
    /** The clock of pings and window tuning; tests replace it. */
    private LongSupplier nanoClock = System::nanoTime;
    /** The connection's round trip, from the last answered ping; 0 until one is answered. */
    private long rttNanos;
    /** When {@link #rttNanos} was measured (on {@link #nanoClock}). */
    private long rttMeasuredAt;
    /** How old a round trip may get before window tuning measures it again (go-yamux measures every 30 s). */
    static final long RTT_MAX_AGE_NANOS = 30_000_000_000L;
    /** A stream that received data this recently shares the connection: no other stream keeps a grown window. */
    static final long SHARED_NANOS = 1_000_000_000L;
    private boolean pingAnswerDropLogged;
    /** Queued bytes are accounted beyond this (what a socket buffer holds anyway)… */
    public static final long FREE_QUEUE = 64 * 1024;
    /** …in steps of this, so that the budget is asked once per step, not per write. */
    public static final long QUEUE_STEP = 64 * 1024;
    private final QueueBudget queueBudget;
    /** What {@link #queueBudget} holds for this connection's queue now. */
    private long queueReserved;

    private record PendingPing(long id, long startNanos, Promise<Duration> promise) {}

    /** A session with {@link YamuxConfig#defaults()}. */
    public YamuxSession(boolean client, ChannelHandler inboundStreamHandler) {
        this(client, inboundStreamHandler, YamuxConfig.defaults());
    }

    /**
     * @param client true on the side that dialled the connection (odd stream ids)
     * @param inboundStreamHandler added to the pipeline of every stream the peer opens, typically a
     *     {@code @Sharable} {@code ChannelInitializer} that installs a multistream-select responder
     */
    public YamuxSession(boolean client, ChannelHandler inboundStreamHandler, YamuxConfig config) {
        this(client, inboundStreamHandler, config, StreamBudget.UNLIMITED);
    }

    /**
     * @param budget asked before every new stream, for its receive window (see {@link StreamBudget})
     */
    public YamuxSession(boolean client, ChannelHandler inboundStreamHandler, YamuxConfig config, StreamBudget budget) {
        this(client, inboundStreamHandler, config, budget, QueueBudget.UNLIMITED);
    }

    /**
     * @param budget asked before every new stream, for its receive window (see {@link StreamBudget})
     * @param queueBudget holds what is queued for a peer that does not read (see {@link QueueBudget})
     */
    public YamuxSession(boolean client, ChannelHandler inboundStreamHandler, YamuxConfig config, StreamBudget budget, QueueBudget queueBudget) {
        this.budget = Objects.requireNonNull(budget, "budget");
        this.queueBudget = Objects.requireNonNull(queueBudget, "queueBudget");
        Objects.requireNonNull(inboundStreamHandler, "inboundStreamHandler");
        if (inboundStreamHandler instanceof ChannelHandlerAdapter a && !a.isSharable()) {
            throw new IllegalArgumentException("inboundStreamHandler must be @Sharable: it is added to every "
                    + "inbound stream (" + inboundStreamHandler.getClass().getName() + ')');
        }
        this.client = client;
        this.inboundStreamHandler = inboundStreamHandler;
        this.config = Objects.requireNonNull(config, "config");
        this.nextStreamId = client ? 1 : 2;
    }

    public boolean isClient() {
        return client;
    }

    public YamuxConfig config() {
        return config;
    }

    /** Open streams; call on the event loop for an exact answer. */
    public int streamCount() {
        return streams.size();
    }

    /**
     * Opens a stream whose pipeline gets {@code handler} (a {@code ChannelInitializer} for several handlers).
     * The future fails if the session is closed or going away, or a stream or ACK-backlog limit is reached.
     */
    public Future<Channel> openStream(ChannelHandler handler) {
        Objects.requireNonNull(handler, "handler");
        ChannelHandlerContext ctx = this.ctx;
        if (ctx == null) {
            return ImmediateEventExecutor.INSTANCE.newFailedFuture(
                    new IllegalStateException("YamuxSession is not in a pipeline"));
        }
        EventExecutor loop = ctx.executor();
        Promise<Channel> promise = loop.newPromise();
        if (loop.inEventLoop()) {
            openStream0(handler, promise);
        } else {
            loop.execute(() -> openStream0(handler, promise));
        }
        return promise;
    }

    /**
     * Sends a Ping; the future completes with the round-trip time when the peer's answer arrives. While one is
     * waiting for its answer no other is sent: the future then completes with that one's answer.
     */
    public Future<Duration> ping() {
        ChannelHandlerContext ctx = this.ctx;
        if (ctx == null) {
            return ImmediateEventExecutor.INSTANCE.newFailedFuture(
                    new IllegalStateException("YamuxSession is not in a pipeline"));
        }
        EventExecutor loop = ctx.executor();
        Promise<Duration> promise = loop.newPromise();
        if (loop.inEventLoop()) {
            ping0(promise);
        } else {
            loop.execute(() -> ping0(promise));
        }
        return promise;
    }

    /**
     * Sends Go Away with {@code code}: no new streams are accepted or opened afterwards. With
     * {@link GoAwayCode#NORMAL} existing streams carry on; with an error code the connection is closed once the
     * Go Away has left, or after {@link YamuxConfig#goAwayGrace()} at the latest.
     */
    public ChannelFuture goAway(GoAwayCode code) {
        Objects.requireNonNull(code, "code");
        ChannelHandlerContext ctx = this.ctx;
        if (ctx == null) throw new IllegalStateException("YamuxSession is not in a pipeline");
        ChannelPromise promise = ctx.newPromise();
        if (ctx.executor().inEventLoop()) {
            goAway0(code, promise);
        } else {
            ctx.executor().execute(() -> goAway0(code, promise));
        }
        return promise;
    }

    // ---- ChannelHandler ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        teardown();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        teardown();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof YamuxFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        inReadLoop = true;
        try {
            if (closed) {
                frame.release();
                return;
            }
            switch (frame.type()) {
                case DATA, WINDOW_UPDATE -> onStreamFrame(frame);
                case PING -> onPing(frame);
                case GO_AWAY -> onGoAway(frame);
            }
            // between two frames: a safe point to flush, and so to close if the peer lets the answers pile up
            if (controlBytesUnflushed >= CONTROL_BYTES_PER_FLUSH && !closed) flushNow();
        } catch (Throwable t) {
            // every branch above owns the frame until it hands it on; a throw means a bug, not bad input
            log.warn("{} yamux session failed on {}", ctx.channel(), frame, t);
            internalError();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inReadLoop = false;
        // index loop: a stream's handler may deliver more (and register again) while we iterate
        for (int i = 0; i < readCompletePending.size(); i++) readCompletePending.get(i).readComplete();
        readCompletePending.clear();
        flushIfPending();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!closed) accountQueue(queuedOutboundBytes()); // the queue drained below the water mark: give back what it held
        if (ctx.channel().isWritable()) {
            for (int n = blockedOnParent.size(); n > 0 && ctx.channel().isWritable(); n--) {
                YamuxStreamChannel s = blockedOnParent.poll();
                if (s == null) break;
                s.queuedOnParent = false;
                if (s.isOpen()) s.resumeWrites();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!goAwaySent && !closed && ctx.channel().isActive()) {
            goAwaySent = true;
            ctx.write(YamuxFrame.goAway(GoAwayCode.NORMAL), ctx.voidPromise());
        }
        flushPending = false;
        ctx.flush();
        ctx.close(promise);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            protocolError(cause.getMessage());
        } else if (cause instanceof IOException) {
            log.debug("{} connection failed: {}", ctx.channel(), cause.toString());
            teardown();
            ctx.close();
        } else {
            log.warn("{} unexpected exception in yamux session", ctx.channel(), cause);
            internalError();
        }
    }

    // ---- inbound frames ----

    private void onStreamFrame(YamuxFrame frame) {
        int id = frame.streamId();
        if (id == 0) {
            frame.release();
            protocolError(frame.type() + " frame on stream 0");
            return;
        }
        YamuxStreamChannel stream = streams.get(id);
        if (frame.hasFlag(YamuxFrame.FLAG_SYN)) {
            if (stream != null) {
                frame.release();
                protocolError("SYN for stream " + Integer.toUnsignedString(id) + " which is already open");
                return;
            }
            if (isLocalId(id)) {
                frame.release();
                protocolError("peer opened stream " + Integer.toUnsignedString(id) + " with our id parity");
                return;
            }
            stream = accept(id);
            if (stream == null) {
                frame.release();
                return;
            }
        } else if (stream == null) {
            int length = frame.data() != null ? frame.data().readableBytes() : 0;
            frame.release();
            log.debug("{} ignoring {} for unknown or closed stream", ctx.channel(), frame);
            // the RST only tells the sender to stop early (its window bounds what it can still send), so it is
            // skipped for a peer that is not reading what we already sent
            if (length > 0 && !frame.hasFlag(YamuxFrame.FLAG_RST) && ctx.channel().isWritable()) {
                write(YamuxFrame.windowUpdate(id, YamuxFrame.FLAG_RST, 0));
                flush();
            }
            return;
        }
        if (frame.hasFlag(YamuxFrame.FLAG_RST)) {
            frame.release();
            stream.onReset();
            return;
        }
        if (frame.hasFlag(YamuxFrame.FLAG_ACK)) stream.onAck();
        if (frame.type() == YamuxFrameType.WINDOW_UPDATE) {
            if (!stream.onWindowUpdate(frame.length())) {
                protocolError("window update overflows the send window of stream " + Integer.toUnsignedString(id));
                return;
            }
        } else if (frame.length() > stream.recvWindow()) {
            frame.release();
            protocolError("stream " + Integer.toUnsignedString(id) + " sent " + frame.length()
                    + " bytes, its window was " + stream.recvWindow());
            return;
        } else if (frame.length() > 0) {
            stream.lastDataNanos = nanoClock.getAsLong();
            stream.onData(frame.data());
        } else {
            frame.release();
        }
        if (frame.hasFlag(YamuxFrame.FLAG_FIN) && !closed) stream.onFin();
    }

    private YamuxStreamChannel accept(int id) {
        Optional<StreamBudget.Reservation> reserved = goAwaySent || inboundStreams >= config.maxInboundStreams() ? Optional.empty() : budget.reserve(true, config.receiveWindow());
        if (reserved.isEmpty()) {
            log.debug("{} refusing stream {}: {}", ctx.channel(), Integer.toUnsignedString(id),
                    goAwaySent ? "going away" : inboundStreams >= config.maxInboundStreams() ? "maxInboundStreams " + config.maxInboundStreams() + " reached" : "resource limit");
            write(YamuxFrame.windowUpdate(id, YamuxFrame.FLAG_RST, 0));
            flush();
            return null;
        }
        YamuxStreamChannel stream = new YamuxStreamChannel(this, ctx.channel(), id, false, config);
        reservations.put(id, reserved.get());
        streams.put(id, stream);
        inboundStreams++;
        stream.pipeline().addLast(inboundStreamHandler);
        // the ACK must precede anything the stream's handlers write while it registers
        stream.sendOpeningFrame();
        flush();
        ChannelFuture registered = ctx.channel().eventLoop().register(stream);
        if (registered.isDone() && !registered.isSuccess()) {
            log.warn("{} could not register inbound stream {}", ctx.channel(), stream, registered.cause());
            abandon(stream);
            return null;
        }
        return stream;
    }

    private void onPing(YamuxFrame frame) {
        if (frame.hasFlag(YamuxFrame.FLAG_SYN)) {
            answerPing(frame.length());
        } else if (frame.hasFlag(YamuxFrame.FLAG_ACK)) {
            PendingPing p = ownPing;
            if (p != null && p.id() == frame.length()) {
                ownPing = null;
                long now = nanoClock.getAsLong();
                rttNanos = Math.max(1, now - p.startNanos());
                rttMeasuredAt = now;
                p.promise().trySuccess(Duration.ofNanos(rttNanos));
            }
        }
    }

    /**
     * Answers a ping unless {@link YamuxConfig#pingBacklog()} answers are still waiting to leave: a peer that
     * sends pings faster than it reads the answers gets fewer answers, not more of our memory (go-yamux drops
     * them the same way).
     */
    private void answerPing(long value) {
        if (pingAnswersQueued >= config.pingBacklog()) {
            if (!pingAnswerDropLogged) {
                pingAnswerDropLogged = true;
                log.info("{} peer pings faster than it reads the answers; pings beyond {} waiting answers go unanswered",
                        ctx.channel(), config.pingBacklog());
            }
            return;
        }
        pingAnswersQueued++;
        ChannelPromise sent = ctx.newPromise();
        sent.addListener(f -> pingAnswersQueued--);
        write(YamuxFrame.ping(YamuxFrame.FLAG_ACK, value), sent);
        flush();
    }

    private void onGoAway(YamuxFrame frame) {
        goAwayReceived = true;
        long code = frame.length();
        ctx.fireUserEventTriggered(new GoAwayReceived(code));
        if (code != GoAwayCode.NORMAL.code()) {
            log.info("{} peer sent Go Away {}, closing", ctx.channel(),
                    Objects.requireNonNullElse(GoAwayCode.of(code), "code " + code));
            goAwaySent = true; // do not answer with one of ours
            teardown();
            ctx.close();
        } else {
            log.debug("{} peer sent Go Away (normal)", ctx.channel());
        }
    }

    // ---- local operations ----

    private void openStream0(ChannelHandler handler, Promise<Channel> promise) {
        String refusal = closed ? "session is closed"
                : goAwaySent || goAwayReceived ? "session is going away"
                : outboundStreams >= config.maxOutboundStreams()
                        ? "maxOutboundStreams " + config.maxOutboundStreams() + " reached"
                : ackBacklog >= config.maxAckBacklog()
                        ? "maxAckBacklog " + config.maxAckBacklog() + " unacknowledged streams reached"
                : nextStreamId > YamuxFrame.MAX_LENGTH ? "stream ids exhausted"
                : null;
        if (refusal != null) {
            promise.tryFailure(closed ? new ClosedChannelException() : new IllegalStateException(refusal));
            return;
        }
        Optional<StreamBudget.Reservation> reserved = budget.reserve(false, config.receiveWindow());
        if (reserved.isEmpty()) {
            promise.tryFailure(new IllegalStateException("resource limit: no room for another stream on this connection"));
            return;
        }
        int id = (int) nextStreamId;
        nextStreamId += 2;
        YamuxStreamChannel stream = new YamuxStreamChannel(this, ctx.channel(), id, true, config);
        reservations.put(id, reserved.get());
        streams.put(id, stream);
        outboundStreams++;
        ackBacklog++;
        stream.pipeline().addLast(handler);
        stream.sendOpeningFrame();
        flush();
        ctx.channel().eventLoop().register(stream).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                promise.trySuccess(stream);
            } else {
                promise.tryFailure(f.cause());
                abandon(stream);
            }
        });
    }

    /** Forgets a stream whose channel could not be registered, and resets it on the wire. */
    private void abandon(YamuxStreamChannel stream) {
        streamClosed(stream);
        if (!closed) {
            write(YamuxFrame.windowUpdate(stream.streamId(), YamuxFrame.FLAG_RST, 0));
            flush();
        }
    }

    private void ping0(Promise<Duration> promise) {
        if (closed) {
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (ownPing != null) {
            ownPing.promise().addListener(f -> {
                if (f.isSuccess()) promise.trySuccess((Duration) f.getNow());
                else promise.tryFailure(f.cause());
            });
            return;
        }
        long id = nextPingId;
        nextPingId = (nextPingId + 1) & YamuxFrame.MAX_LENGTH;
        ownPing = new PendingPing(id, nanoClock.getAsLong(), promise);
        write(YamuxFrame.ping(YamuxFrame.FLAG_SYN, id));
        flush();
    }

    private void goAway0(GoAwayCode code, ChannelPromise promise) {
        if (closed || goAwaySent) {
            promise.trySuccess();
            return;
        }
        goAwaySent = true;
        if (code != GoAwayCode.NORMAL) teardown();
        ctx.writeAndFlush(YamuxFrame.goAway(code), promise);
        if (code != GoAwayCode.NORMAL) closeWhenSent(promise);
        else closeIfPeerNotReading();
    }

    private void protocolError(String reason) {
        if (closed) return;
        log.info("{} yamux protocol error, closing: {}", ctx.channel(), reason);
        closeWith(GoAwayCode.PROTOCOL_ERROR);
    }

    private void internalError() {
        if (closed) return;
        closeWith(GoAwayCode.INTERNAL_ERROR);
    }

    private void closeWith(GoAwayCode code) {
        teardown();
        if (!goAwaySent && ctx.channel().isActive()) {
            goAwaySent = true;
            closeWhenSent(ctx.writeAndFlush(YamuxFrame.goAway(code)));
        } else {
            ctx.flush();
            ctx.close();
        }
    }

    /**
     * Closes the connection once {@code goAway} has left, or after {@link YamuxConfig#goAwayGrace()}: a peer that
     * reads slowly, or not at all, must not keep a connection we are done with open. What it sends meanwhile
     * no longer matters, so it is not read.
     */
    private void closeWhenSent(ChannelFuture goAway) {
        if (closeIfPeerNotReading()) return;
        ctx.channel().config().setAutoRead(false);
        ScheduledFuture<?> deadline = ctx.executor().schedule((Runnable) ctx::close, config.goAwayGrace().toNanos(),
                TimeUnit.NANOSECONDS);
        goAway.addListener(f -> {
            deadline.cancel(false);
            ctx.close();
        });
    }

    /**
     * Bytes written to the connection and not yet taken by the socket: everything a peer that does not read lets
     * pile up (stream data stops at the connection's high water mark; control frames do not).
     */
    private long queuedOutboundBytes() {
        ChannelOutboundBuffer queue = ctx.channel().unsafe().outboundBuffer();
        return queue == null ? 0 : queue.totalPendingWriteBytes();
    }

    /**
     * Closes the connection at once, without Go Away and without flushing, when more than
     * {@link YamuxConfig#maxQueuedOutboundBytes()} wait for the peer to read them. @return true if it did
     */
    private boolean closeIfPeerNotReading() {
        long queued = queuedOutboundBytes();
        if (queued <= config.maxQueuedOutboundBytes()) {
            if (accountQueue(queued)) return false;
            log.info("{} peer does not read: {} bytes queued for it, more than the node's memory budget allows; closing", ctx.channel(), queued);
        } else {
            // logged once: the close below drops the queue, so the check never fires again on this connection
            log.info("{} peer does not read: {} bytes queued for it, over maxQueuedOutboundBytes {}; closing",
                    ctx.channel(), queued, config.maxQueuedOutboundBytes());
        }
        teardown();
        goAwaySent = true;
        ctx.close();
        return true;
    }

    /**
     * Brings {@link #queueReserved} to what {@code queued} needs (beyond {@link #FREE_QUEUE}, rounded up to a
     * {@link #QUEUE_STEP}). @return false when the budget refused more
     */
    private boolean accountQueue(long queued) {
        if (closed) return true; // torn down: nothing is held any more
        long want = queued <= FREE_QUEUE ? 0 : (queued - FREE_QUEUE + QUEUE_STEP - 1) / QUEUE_STEP * QUEUE_STEP;
        if (want > queueReserved) {
            if (!queueBudget.reserve(want - queueReserved)) return false;
        } else if (want < queueReserved) {
            queueBudget.release(queueReserved - want);
        }
        queueReserved = want;
        return true;
    }

    /** Closes every stream and fails pending pings, once. */
    private void teardown() {
        if (queueReserved > 0) {
            queueBudget.release(queueReserved);
            queueReserved = 0;
        }
        if (closed) return;
        closed = true;
        YamuxStreamChannel[] all = streams.values().toArray(new YamuxStreamChannel[0]);
        for (YamuxStreamChannel s : all) s.onSessionClosed();
        streams.clear();
        readCompletePending.clear();
        blockedOnParent.clear();
        if (ownPing != null) {
            PendingPing p = ownPing;
            ownPing = null;
            p.promise().tryFailure(new ClosedChannelException());
        }
    }

    private boolean isLocalId(int id) {
        return ((id & 1) == 1) == client;
    }

    // ---- called by YamuxStreamChannel on the event loop ----

    boolean isClosed() {
        return closed;
    }

    /**
     * Window tuning, asked by a stream that is about to send a Window Update for {@code consumed} bytes at {@code now}
     * (the session's clock): by how much to change its window, given how long ago its previous update (or opening) was.
     *
     * <p>A stream alone on the connection grows as go-yamux tunes: a peer that used half the window in less than four
     * round trips was held back by the window, not by us reading, so the window doubles, up to {@link
     * YamuxConfig#maxReceiveWindow()} and only if the stream's reservation grows by as much. Without a round trip
     * measured in the last 30 s a ping is sent (at most one in flight) and the window stays this time: an idle session
     * never pings for this.
     *
     * <p>A stream that shares the connection (another one received data in the last second: a chat line, a ping)
     * goes back to {@link YamuxConfig#receiveWindow()}, by crediting less than was consumed: yamux has no priorities,
     * and everything a window lets the peer send is queued ahead of the other streams' data in both ends' socket
     * buffers. A file sent with 4 MiB windows made the chat round trip during the transfer 3.4× idle instead of 1.7×.
     *
     * @return the change: positive (growth, already reserved), negative (at most {@code consumed}) or 0
     */
    long windowChange(YamuxStreamChannel stream, long consumed, long now) {
        if (closed) return 0;
        long window = stream.windowSize();
        boolean shared = sharedRecently(stream, now);
        if (window > config.receiveWindow() && shared) return -Math.min(consumed, window - config.receiveWindow());
        if (window >= config.maxReceiveWindow()) return 0;
        if (rttNanos == 0 || now - rttMeasuredAt > RTT_MAX_AGE_NANOS) {
            if (ownPing == null) ping0(ctx.executor().newPromise());
            if (rttNanos == 0) return 0;
        }
        if (now - stream.lastCreditNanos >= 4 * rttNanos || shared) return 0;
        long growth = Math.min(window, config.maxReceiveWindow() - window);
        long unreserved = window + growth - stream.reservedWindow;
        if (unreserved > 0) {
            StreamBudget.Reservation reserved = reservations.get(stream.streamId());
            if (reserved == null || !reserved.grow(unreserved)) return 0;
            stream.reservedWindow += unreserved;
        }
        return growth;
    }

    /** Whether a stream other than {@code stream} received data in the last {@link #SHARED_NANOS}. */
    private boolean sharedRecently(YamuxStreamChannel stream, long now) {
        for (YamuxStreamChannel other : streams.values()) {
            if (other != stream && now - other.lastDataNanos < SHARED_NANOS) return true;
        }
        return false;
    }

    long nanoTime() {
        return nanoClock.getAsLong();
    }

    /** For tests: pings and window tuning read time from {@code clock}. Call before the session is used. */
    void useClock(LongSupplier clock) {
        this.nanoClock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The longest Data frame the peer may send on {@code streamId} now: the stream's remaining receive window,
     * or, for a stream not open (new, refused, or closed by us), the window a stream starts with.
     * {@link YamuxFrameDecoder} checks it on each Data frame's header.
     */
    long receiveWindowOf(int streamId) {
        YamuxStreamChannel stream = streams.get(streamId);
        return stream != null ? stream.recvWindow() : config.receiveWindow();
    }

    void write(YamuxFrame frame) {
        write(frame, ctx.voidPromise());
    }

    /**
     * Writes a frame, or drops it once the session is closed. The queue is checked on flush, not here: a write
     * may come from the middle of opening a stream, which a close must not interrupt.
     */
    private void write(YamuxFrame frame, ChannelPromise promise) {
        if (closed) {
            frame.release();
            if (!promise.isVoid()) promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (frame.type() != YamuxFrameType.DATA) controlBytesUnflushed += YamuxFrame.HEADER_LENGTH;
        ctx.write(frame, promise);
    }

    /**
     * Flushes at the end of the current read batch, or else of the event loop's current task, so that one flush covers
     * all their writes. Outside a read that matters most as a connection starts: it opens its first streams together,
     * each with a SYN and then its first data, and these now leave as one TLS record in one segment instead of one
     * each (a LAN Chat↔LAN Chat setup: 16 segments with data instead of 21, README "Connection setup").
     */
    void flush() {
        if (flushPending) return; // a flush is already due, at the end of this read batch or task
        flushPending = true;
        if (inReadLoop) return;
        try {
            ctx.executor().execute(this::flushIfPending);
        } catch (RejectedExecutionException shutDown) {
            flushNow(); // the event loop takes no more tasks: flush what there is while the channel may still take it
        }
    }

    private void flushIfPending() {
        if (flushPending) flushNow();
    }

    /**
     * Flushes at once, even inside a read batch (a stream is waiting for the connection to drain), then checks
     * the queue: layers below may hold written bytes until the flush.
     */
    void flushNow() {
        flushPending = false;
        controlBytesUnflushed = 0;
        ctx.flush();
        closeIfPeerNotReading();
    }

    void readCompleteLater(YamuxStreamChannel stream) {
        readCompletePending.add(stream);
    }

    void blockedOnParent(YamuxStreamChannel stream) {
        if (!stream.queuedOnParent) {
            stream.queuedOnParent = true;
            blockedOnParent.add(stream);
        }
    }

    void acknowledged(YamuxStreamChannel stream) {
        ackBacklog--;
    }

    void streamClosed(YamuxStreamChannel stream) {
        if (streams.remove(stream.streamId()) == null) return;
        StreamBudget.Reservation reserved = reservations.remove(stream.streamId());
        if (reserved != null) reserved.release();
        if (stream.isOutbound()) {
            outboundStreams--;
            if (!stream.isAcknowledged()) ackBacklog--;
        } else {
            inboundStreams--;
        }
    }
}
