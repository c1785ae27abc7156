package lanchat.transport.libp2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelId;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.internal.StringUtil;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * One yamux stream as a Netty {@link Channel}, a child of the connection, running on the connection's event
 * loop. Its pipeline is set up by the handler given to {@link YamuxSession#openStream} or, for streams the
 * peer opens, by the session's inbound stream handler; it reads and writes {@link ByteBuf}s.
 *
 * <ul>
 *   <li><b>Reading.</b> Data is delivered as it arrives while auto-read is on, or one batch per
 *   {@code read()} when it is off (then it waits here, bounded by the receive window). Bytes count as
 *   consumed once delivered; a Window Update goes to the peer whenever half the window has been consumed, so
 *   a slow reader stops the peer instead of making us buffer.
 *   <li><b>Writing.</b> Flushed buffers leave as Data frames (sliced, not copied) only while the peer's
 *   window has room and the connection is writable; the rest waits in this channel's outbound buffer, so
 *   {@link #isWritable()} turns false and back-pressure reaches the writer. A write's promise completes when
 *   its last byte is handed to the connection.
 *   <li><b>Half-close.</b> {@link #shutdownOutput()} sends FIN after everything already written. The peer's
 *   FIN fires {@link ChannelInputShutdownEvent} (then {@link ChannelInputShutdownReadComplete}) after the data
 *   before it; with {@code ALLOW_HALF_CLOSURE} false (it defaults to true) the channel then closes. Once both
 *   sides sent FIN the channel closes by itself.
 *   <li><b>Close and reset.</b> {@link #close()} sends FIN, or RST if flushed data could not be sent;
 *   {@link #reset()} sends RST. A RST from the peer fires {@link StreamReset}, fails pending writes with
 *   {@link YamuxStreamResetException} and closes the channel. Closing the connection closes every stream.
 * </ul>
 */
public final class YamuxStreamChannel extends AbstractChannel implements DuplexChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    private final YamuxSession session;
    private final int streamId;
    private final boolean outbound;
    private final YamuxStreamChannelConfig config;
    /** The receive window we grant: {@link YamuxConfig#receiveWindow()}, tuned by {@link YamuxSession#windowChange}. */
    private long windowSize;
    /** The largest window reserved from the session's budget so far (kept while the stream lives). Session only. */
    long reservedWindow;
    /** When data for this stream last arrived, on the session's clock (long ago for a new stream). Session only. */
    long lastDataNanos;
    /** When the last Window Update (or the opening frame) went to the peer, on the session's clock. Session reads it. */
    long lastCreditNanos;
    private final int maxDataFrameSize;

    // Everything below is touched on the event loop only, except the volatile flags read by isOpen() & co.
    private volatile boolean open = true;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    /** Bytes the peer still lets us send. */
    private long sendWindow = YamuxConfig.INITIAL_WINDOW;
    /** Bytes the peer may still send us. */
    private long recvWindow = YamuxConfig.INITIAL_WINDOW;
    /** Bytes delivered (or discarded) but not yet returned to the peer with a Window Update. */
    private long consumed;
    private boolean acknowledged;
    private boolean finReceived;
    private boolean finSent;
    private boolean finPending;
    private ChannelPromise finPromise;
    private boolean reset;
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>(4);
    private boolean readPending;
    private boolean readCompletePending;
    private boolean inDrain;
    private boolean blockedOnWindow;
    private boolean blockedOnParent;
    private boolean inDoWrite;
    private boolean writeAgain;
    /** Owned by the session: this stream is in its queue of streams waiting for the connection. */
    boolean queuedOnParent;

    YamuxStreamChannel(YamuxSession session, Channel parent, int streamId, boolean outbound, YamuxConfig cfg) {
        super(parent, new StreamChannelId(parent.id(), streamId));
        this.session = session;
        this.streamId = streamId;
        this.outbound = outbound;
        this.config = new YamuxStreamChannelConfig(this);
        this.windowSize = cfg.receiveWindow();
        this.reservedWindow = cfg.receiveWindow();
        this.lastDataNanos = session.nanoTime() - YamuxSession.SHARED_NANOS;
        this.maxDataFrameSize = cfg.maxDataFrameSize();
    }

    /** The yamux stream id (an unsigned 32-bit value; odd if the client opened the stream). */
    public int streamId() {
        return streamId;
    }

    /** True if this side opened the stream. */
    public boolean isOutbound() {
        return outbound;
    }

    /** True once the peer has acknowledged the stream (outbound) or we have (inbound). */
    public boolean isAcknowledged() {
        return acknowledged;
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown || !open;
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown || !open;
    }

    @Override
    public boolean isShutdown() {
        return isInputShutdown() && isOutputShutdown();
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    /** Sends FIN once everything written so far has been sent; completes when the FIN is handed on. */
    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            shutdownOutput0(promise);
        } else {
            loop.execute(() -> shutdownOutput0(promise));
        }
        return promise;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    /**
     * Stops delivering data: what is queued and what still arrives is discarded (and credited to the peer's
     * window, so it is not stalled). Yamux has no frame for this, so the peer is not told.
     */
    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            shutdownInput0(promise);
        } else {
            loop.execute(() -> shutdownInput0(promise));
        }
        return promise;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelPromise inputDone = newPromise();
        shutdownInput(inputDone);
        inputDone.addListener(f -> shutdownOutput(promise));
        return promise;
    }

    /** Resets the stream: sends RST, fails pending writes, discards queued data and closes the channel. */
    public ChannelFuture reset() {
        ChannelPromise promise = newPromise();
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            reset0(promise);
        } else {
            loop.execute(() -> reset0(promise));
        }
        return promise;
    }

    // ---- AbstractChannel ----

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new StreamUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true;
    }

    @Override
    protected SocketAddress localAddress0() {
        return parent().localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return parent().remoteAddress();
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a yamux stream cannot be bound");
    }

    @Override
    protected void doDisconnect() {
        throw new UnsupportedOperationException("a yamux stream cannot be disconnected");
    }

    @Override
    protected void doBeginRead() {
        if (!open) return;
        readPending = true;
        if (!inbound.isEmpty() || (finReceived && !inputShutdown)) drain();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) throws Exception {
        if (!(msg instanceof ByteBuf)) {
            throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                    + " (expected ByteBuf)");
        }
        if (reset) throw new YamuxStreamResetException(streamId, "stream was reset");
        if (finPending || finSent) throw new ChannelOutputShutdownException("stream output was shut down");
        return msg;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        if (session.isClosed() || reset) {
            failFlushed(in, reset ? new YamuxStreamResetException(streamId, "stream was reset")
                    : new ClosedChannelException());
            return;
        }
        inDoWrite = true;
        try {
            boolean wrote = false;
            do {
                writeAgain = false;
                blockedOnWindow = false;
                blockedOnParent = false;
                wrote |= writeFrames(in);
                if (!open || session.isClosed()) return; // a failed write tore everything down
                if (blockedOnParent) {
                    // push out what the connection holds now; if that made it writable, go on at once (its
                    // writability event, fired inside this flush, could not resume us: we are in doWrite)
                    session.flushNow();
                    wrote = false;
                    if (parent().isWritable()) writeAgain = true;
                }
            } while (writeAgain && open && !session.isClosed());
            if (finPending && in.isEmpty() && !blockedOnWindow && !blockedOnParent) {
                sendFin();
            } else if (wrote) {
                session.flush();
            }
        } finally {
            inDoWrite = false;
        }
    }

    /** Writes flushed buffers as Data frames while window and connection allow; true if anything went out. */
    private boolean writeFrames(ChannelOutboundBuffer in) {
        boolean wrote = false;
        for (;;) {
            Object msg = in.current();
            if (msg == null) return wrote;
            ByteBuf buf = (ByteBuf) msg;
            int readable = buf.readableBytes();
            if (readable == 0) {
                in.remove();
                continue;
            }
            if (sendWindow == 0) {
                blockedOnWindow = true;
                return wrote;
            }
            if (!parent().isWritable()) {
                blockedOnParent = true;
                session.blockedOnParent(this);
                return wrote;
            }
            int n = (int) Math.min(Math.min(readable, sendWindow), maxDataFrameSize);
            boolean last = n == readable;
            int flags = last && finPending && in.size() == 1 ? YamuxFrame.FLAG_FIN : 0;
            // the whole remainder is handed on as is; a prefix as a slice: no copy either way
            ByteBuf chunk = last ? buf.retain() : buf.readRetainedSlice(n);
            sendWindow -= n;
            session.write(YamuxFrame.data(streamId, flags, chunk));
            wrote = true;
            if (!open || session.isClosed()) return wrote;
            if (last) {
                in.remove();
            } else {
                in.progress(n);
            }
            if (flags != 0) {
                finSent();
                return wrote;
            }
        }
    }

    @Override
    protected void doClose() {
        if (!open) return;
        open = false;
        inputShutdown = true;
        outputShutdown = true;
        releaseInbound();
        if (!reset && !session.isClosed() && !finSent) {
            if (blockedOnWindow || blockedOnParent) {
                // flushed data would be lost: tell the peer the stream did not end cleanly
                session.write(YamuxFrame.windowUpdate(streamId, YamuxFrame.FLAG_RST, 0));
            } else {
                session.write(YamuxFrame.windowUpdate(streamId, YamuxFrame.FLAG_FIN, 0));
            }
            finSent = true;
        }
        if (finPromise != null) {
            ChannelPromise p = finPromise;
            finPromise = null;
            p.tryFailure(new ClosedChannelException());
        }
        session.streamClosed(this);
        session.flush();
    }

    // ---- called by YamuxSession on the event loop ----

    long recvWindow() {
        return recvWindow;
    }

    boolean finReceived() {
        return finReceived;
    }

    /** Sends the stream's first frame: SYN (outbound) or ACK (inbound), announcing any window beyond 256 KiB. */
    void sendOpeningFrame() {
        long extra = windowSize - YamuxConfig.INITIAL_WINDOW;
        recvWindow += extra;
        lastCreditNanos = session.nanoTime();
        session.write(YamuxFrame.windowUpdate(streamId, outbound ? YamuxFrame.FLAG_SYN : YamuxFrame.FLAG_ACK, extra));
        if (!outbound) acknowledged = true;
    }

    void onAck() {
        if (outbound && !acknowledged) {
            acknowledged = true;
            session.acknowledged(this);
        }
    }

    /** @return false if the window would exceed 2^32 - 1, a protocol error */
    boolean onWindowUpdate(long delta) {
        if (delta == 0) return true;
        if (sendWindow + delta > YamuxFrame.MAX_LENGTH) return false;
        sendWindow += delta;
        if (blockedOnWindow && open) resumeWrites();
        return true;
    }

    /** Takes ownership of {@code data}; the session has checked it fits {@link #recvWindow()}. */
    void onData(ByteBuf data) {
        int n = data.readableBytes();
        recvWindow -= n;
        if (!open) {
            data.release();
            return;
        }
        if (finReceived) {
            data.release();
            reset0(newPromise());
            return;
        }
        if (inputShutdown) {
            data.release();
            credit(n);
            return;
        }
        if (inbound.isEmpty() && !inDrain && (readPending || config.isAutoRead())) {
            // channelReadComplete follows when the connection's read batch ends
            if (!readCompletePending) session.readCompleteLater(this);
            deliver(data);
            if (!config.isAutoRead()) readPending = false;
        } else {
            inbound.add(data);
        }
    }

    void onFin() {
        if (finReceived || !open) return;
        finReceived = true;
        if (inputShutdown) { // shut locally: nothing left to deliver or announce
            if (finSent) close();
            return;
        }
        if (inbound.isEmpty() && !inDrain) {
            readComplete();
            fireInputShutdown();
        }
    }

    void onReset() {
        if (!open) return;
        reset = true;
        inputShutdown = true;
        outputShutdown = true;
        releaseInbound();
        failPending(new YamuxStreamResetException(streamId, "reset by peer"));
        pipeline().fireUserEventTriggered(new StreamReset(streamId));
        unsafe().close(unsafe().voidPromise());
    }

    /** The connection is gone: close without writing anything. */
    void onSessionClosed() {
        if (!open) return;
        failPending(new ClosedChannelException());
        unsafe().close(unsafe().voidPromise());
    }

    /** Fires channelReadComplete if data was delivered since the last one. */
    void readComplete() {
        if (readCompletePending) {
            readCompletePending = false;
            if (open) pipeline().fireChannelReadComplete();
        }
    }

    /** Flushed data waits for window or for the connection to become writable: try again. */
    void resumeWrites() {
        if (inDoWrite) {
            writeAgain = true;
        } else {
            ((StreamUnsafe) unsafe()).writePending();
        }
    }

    // ---- internals ----

    private void deliver(ByteBuf data) {
        int n = data.readableBytes();
        readCompletePending = true;
        pipeline().fireChannelRead(data);
        credit(n);
    }

    private void drain() {
        if (inDrain) return;
        inDrain = true;
        try {
            boolean delivered = false;
            // a read() while auto-read is off asks for one batch: everything queued. While auto-read is on, delivery
            // stops as soon as a handler turns it off (as Netty's socket channels end their read loop): a reader that
            // pauses is not handed the rest of a window that may have grown to megabytes (a protocol channel pauses
            // at its receive buffer, and its listener may answer every message it is handed)
            boolean batch = readPending && !config.isAutoRead();
            while (open && (batch || config.isAutoRead()) && !inbound.isEmpty()) {
                deliver(inbound.poll());
                delivered = true;
            }
            if (delivered && !config.isAutoRead()) readPending = false;
            readComplete();
            if (open && inbound.isEmpty() && finReceived && !inputShutdown) fireInputShutdown();
        } finally {
            inDrain = false;
        }
    }

    private void fireInputShutdown() {
        if (inputShutdown || !open) return;
        inputShutdown = true;
        pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        if (!open) return;
        if (finSent || !config.isAllowHalfClosure()) {
            close();
        } else {
            pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
    }

    /**
     * Returns consumed bytes to the peer's window once half of it is used up, changed by the session's window tuning:
     * more room when the peer used the half so fast that the window, not our reading, held it back; less while other
     * streams share the connection.
     */
    private void credit(int n) {
        consumed += n;
        if (!open || finReceived || consumed < windowSize / 2) return;
        long now = session.nanoTime();
        long change = session.windowChange(this, consumed, now);
        windowSize += change;
        long delta = consumed + change;
        recvWindow += delta;
        lastCreditNanos = now;
        consumed = 0;
        if (delta == 0) return; // all of it went to shrinking the window
        session.write(YamuxFrame.windowUpdate(streamId, 0, delta));
        session.flush();
    }

    /** The window this stream grants now (tests, diagnostics). */
    long windowSize() {
        return windowSize;
    }

    private void shutdownOutput0(ChannelPromise promise) {
        if (!open || reset) {
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (finSent) {
            promise.trySuccess();
            return;
        }
        if (finPending) {
            finPromise.addListener(f -> {
                if (f.isSuccess()) promise.trySuccess(); else promise.tryFailure(f.cause());
            });
            return;
        }
        finPending = true;
        outputShutdown = true;
        finPromise = promise;
        unsafe().flush(); // doWrite sends the FIN with or after the last byte
        ChannelOutboundBuffer in = unsafe().outboundBuffer();
        if (!finSent && open && (in == null || in.isEmpty())) sendFin();
    }

    private void shutdownInput0(ChannelPromise promise) {
        if (!open) {
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (!inputShutdown) {
            inputShutdown = true;
            long n = 0;
            for (ByteBuf b; (b = inbound.poll()) != null; ) {
                n += b.readableBytes();
                b.release();
            }
            credit((int) n);
        }
        promise.trySuccess();
    }

    private void reset0(ChannelPromise promise) {
        if (!open) {
            promise.trySuccess();
            return;
        }
        reset = true;
        if (!session.isClosed()) {
            session.write(YamuxFrame.windowUpdate(streamId, YamuxFrame.FLAG_RST, 0));
            session.flush();
        }
        releaseInbound();
        failPending(new YamuxStreamResetException(streamId, "reset locally"));
        unsafe().close(promise);
    }

    private void sendFin() {
        session.write(YamuxFrame.windowUpdate(streamId, YamuxFrame.FLAG_FIN, 0));
        finSent();
        session.flush();
    }

    private void finSent() {
        finSent = true;
        finPending = false;
        outputShutdown = true;
        if (finPromise != null) {
            ChannelPromise p = finPromise;
            finPromise = null;
            p.trySuccess();
        }
        if (inputShutdown && finReceived) close();
    }

    private void failPending(Throwable cause) {
        ChannelOutboundBuffer in = unsafe().outboundBuffer();
        if (in != null) failFlushed(in, cause);
        if (finPromise != null) {
            ChannelPromise p = finPromise;
            finPromise = null;
            p.tryFailure(cause);
        }
    }

    private static void failFlushed(ChannelOutboundBuffer in, Throwable cause) {
        while (in.current() != null) in.remove(cause);
    }

    private void releaseInbound() {
        for (ByteBuf b; (b = inbound.poll()) != null; ) b.release();
    }

    @Override
    public String toString() {
        return "[yamux stream " + id().asShortText() + (outbound ? " out" : " in") + ']';
    }

    private final class StreamUnsafe extends AbstractUnsafe {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a yamux stream is connected when opened"));
        }

        void writePending() {
            flush0();
        }
    }

    /** {@code <connection id>/<stream id>}, so logs tie a stream to its connection. */
    private record StreamChannelId(ChannelId parent, int streamId) implements ChannelId {
        @Override
        public String asShortText() {
            return parent.asShortText() + '/' + Integer.toUnsignedString(streamId);
        }

        @Override
        public String asLongText() {
            return parent.asLongText() + '/' + Integer.toUnsignedString(streamId);
        }

        @Override
        public int compareTo(ChannelId o) {
            if (o instanceof StreamChannelId other) {
                int c = parent.compareTo(other.parent);
                return c != 0 ? c : Integer.compareUnsigned(streamId, other.streamId);
            }
            return asLongText().compareTo(o.asLongText());
        }
    }
}
