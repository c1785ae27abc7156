package lanchat.transport.libp2p.channel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import lanchat.api.spi.ChannelLimits;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.transport.libp2p.ConnectionContext;
import lanchat.transport.libp2p.wire.UnsignedVarint;
import lanchat.transport.libp2p.wire.VarintFrameDecoder;
import lanchat.transport.libp2p.yamux.StreamReset;
import lanchat.transport.libp2p.yamux.YamuxStreamChannel;

/**
 * A {@link ProtocolChannel} on one yamux stream. Messages are unsigned-varint length-prefixed.
 *
 * <ul>
 *   <li><b>Sending</b> runs on the connection's event loop in call order; at most {@link ChannelLimits#sendBufferBytes()}
 *   may wait for the peer's window (yamux), beyond that a send fails at once.
 *   <li><b>Receiving</b> reads nothing until a listener is set; then each message goes to the listener on the callback
 *   executor, and while more than {@link ChannelLimits#receiveBufferBytes()} are handed over but not yet done with
 *   (see {@link ChannelListener#onMessage}) the stream stops reading, so the peer's window closes and it waits. A message over the limit resets the stream.
 *   <li><b>Closing</b>: {@link #close()} half-closes (FIN after everything written); the peer's FIN makes this side
 *   half-close too; with both FINs the stream closes and both listeners hear {@code onClosed(null)}. A peer that
 *   never answers our FIN is reset after {@link #CLOSE_GRACE}. A RST, or the connection ending first, is a cause.
 * </ul>
 */
final class StreamChannel implements ProtocolChannel {
    /** How long a half-closed channel waits for the peer's FIN before it is reset. */
    static final long CLOSE_GRACE_MS = 5_000;

    private final ConnectionContext conn;
    private final Channel stream;
    private final ProtocolHandler protocol;
    private final ChannelLimits limits;
    private final Direction direction;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    // event loop only:
    private final ArrayDeque<byte[]> early = new ArrayDeque<>();
    private ChannelListener listener;
    /** The listener overrides {@link ChannelListener#onMessageView}: it gets the frames themselves. */
    private boolean views;
    private long sendPending;
    private long delivering;
    private boolean outputClosed;
    private boolean inputClosed;
    private Throwable failure;
    private volatile boolean open = true;

    StreamChannel(ConnectionContext conn, Channel stream, ProtocolHandler protocol, Direction direction) {
        this.conn = conn;
        this.stream = stream;
        this.protocol = protocol;
        this.limits = protocol.limits();
        this.direction = direction;
        stream.config().setAutoRead(false); // until a listener is set
        stream.pipeline().addLast(new VarintFrameDecoder(limits.maxMessageBytes()), new Reader());
        stream.closeFuture().addListener(f -> onStreamClosed());
    }

    @Override
    public String protocol() { return protocol.id(); }

    @Override
    public ChatSession session() { return conn.session(); }

    @Override
    public Direction direction() { return direction; }

    @Override
    public boolean isOpen() { return open; }

    @Override
    public CompletionStage<Void> send(byte[] message) {
        if (message.length > limits.maxMessageBytes()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("message of " + message.length + " bytes is over " + protocol.id() + "'s limit of " + limits.maxMessageBytes()));
        }
        if (!open) return CompletableFuture.failedFuture(new IOException(protocol.id() + " channel is closed"));
        CompletableFuture<Void> done = new CompletableFuture<>();
        stream.eventLoop().execute(() -> write(message, done));
        return done;
    }

    private void write(byte[] message, CompletableFuture<Void> done) {
        if (outputClosed || !stream.isActive()) {
            done.completeExceptionally(new IOException(protocol.id() + " channel is closed"));
            return;
        }
        if (sendPending + message.length > limits.sendBufferBytes()) {
            done.completeExceptionally(new IOException(protocol.id() + " channel to " + conn.remotePeer().shortString() + ": send buffer full (the peer is not reading)"));
            return;
        }
        sendPending += message.length;
        ByteBuf prefix = UnsignedVarint.write(stream.alloc().buffer(UnsignedVarint.size(message.length)), message.length);
        stream.write(prefix, stream.voidPromise());
        stream.writeAndFlush(Unpooled.wrappedBuffer(message)).addListener(w -> {
            sendPending -= message.length;
            if (w.isSuccess()) done.complete(null);
            else done.completeExceptionally(w.cause());
        });
    }

    @Override
    public void setListener(ChannelListener l) {
        stream.eventLoop().execute(() -> {
            if (listener != null) throw new IllegalStateException("the listener is set once");
            listener = l;
            views = takesViews(l);
            byte[] m;
            while ((m = early.poll()) != null) deliver(m);
            if (!stream.isOpen()) {
                finish();
                return;
            }
            resumeIfRoom();
        });
    }

    @Override
    public CompletionStage<Void> close() {
        stream.eventLoop().execute(this::closeOutput);
        return closed;
    }

    /** FIN after everything written; the stream closes once the peer's FIN is in too (bounded by the grace). */
    private void closeOutput() {
        if (outputClosed || !stream.isActive()) return;
        outputClosed = true;
        ((YamuxStreamChannel) stream).shutdownOutput();
        stream.eventLoop().schedule(() -> {
            if (stream.isOpen()) {
                if (failure == null) failure = new IOException(conn.remotePeer().shortString() + " did not close " + protocol.id() + " in time");
                ((YamuxStreamChannel) stream).reset();
            }
        }, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void reset() {
        stream.eventLoop().execute(() -> {
            if (failure == null) failure = new IOException(protocol.id() + " channel reset by us");
            ((YamuxStreamChannel) stream).reset();
        });
    }

    // ---- receiving (event loop) ----

    private void deliver(byte[] m) {
        delivering += m.length;
        if (delivering > limits.receiveBufferBytes()) stream.config().setAutoRead(false);
        ChannelListener l = listener;
        Runnable consumed = () -> stream.eventLoop().execute(() -> {
            delivering -= m.length;
            resumeIfRoom();
        });
        conn.host().callbacks().execute(() -> {
            CompletionStage<?> work = null;
            try {
                work = l.onMessage(this, m);
            } finally {
                if (work == null) consumed.run();
                else work.whenComplete((x, e) -> consumed.run());
            }
        });
    }

    /**
     * Whether {@code l} overrides {@link ChannelListener#onMessageView}. Only such a listener gets the frame itself:
     * for the others the default would copy anyway, and the frame (with its share of the decode buffer) would stay
     * pinned until their stage completes; they get a copy and the frame goes at once, as before.
     */
    static boolean takesViews(ChannelListener l) {
        try {
            return l.getClass().getMethod("onMessageView", ProtocolChannel.class, ByteBuffer.class).getDeclaringClass() != ChannelListener.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /**
     * Hands the decoded frame itself to the listener ({@link ChannelListener#onMessageView}): no copy into an array.
     * The frame is released on the event loop once the listener is done with it; until then it pins its part of the
     * stream's decode buffer, which the same receive-buffer count bounds (at most about twice what it counts, when a
     * frame shares its buffer with the next one's first bytes).
     */
    private void deliver(ByteBuf frame) {
        int length = frame.readableBytes();
        delivering += length;
        if (delivering > limits.receiveBufferBytes()) stream.config().setAutoRead(false);
        ChannelListener l = listener;
        ByteBuffer view = frame.nioBuffer().asReadOnlyBuffer();
        Runnable consumed = () -> stream.eventLoop().execute(() -> {
            frame.release();
            delivering -= length;
            resumeIfRoom();
        });
        try {
            conn.host().callbacks().execute(() -> {
                CompletionStage<?> work = null;
                try {
                    work = l.onMessageView(this, view);
                } finally {
                    if (work == null) consumed.run();
                    else work.whenComplete((x, e) -> consumed.run());
                }
            });
        } catch (RejectedExecutionException e) { // the node's queue is full: the caller resets the stream, the frame goes now
            frame.release();
            delivering -= length;
            throw e;
        }
    }

    /** Reads on while the listener keeps up (half the receive buffer free). */
    private void resumeIfRoom() {
        if (listener != null && stream.isActive() && !stream.config().isAutoRead() && delivering <= limits.receiveBufferBytes() / 2) {
            stream.config().setAutoRead(true);
            stream.read();
        }
    }

    private void onStreamClosed() {
        open = false;
        if (listener != null) finish();
    }

    /** Tells the listener once, after every message. */
    private void finish() {
        if (closed.isDone()) return;
        Throwable cause = failure;
        if (cause == null && !(inputClosed && outputClosed)) cause = new IOException(protocol.id() + " channel to " + conn.remotePeer().shortString() + " ended with its session");
        Throwable why = cause;
        ChannelListener l = listener;
        conn.host().callbacks().execute(() -> l.onClosed(this, why));
        closed.complete(null);
    }

    private final class Reader extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            if (listener != null && views) {
                deliver(frame); // released once the listener is done with it
                return;
            }
            byte[] m;
            try {
                m = ByteBufUtil.getBytes(frame);
            } finally {
                frame.release();
            }
            if (listener == null) early.add(m); // bounded: nothing is read before a listener, but for what came with the negotiation
            else deliver(m);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputClosed = true;
                closeOutput(); // the peer closed: so do we, after what we still had to send
            } else if (evt instanceof StreamReset) {
                if (failure == null) failure = new IOException(protocol.id() + " channel reset by " + conn.remotePeer().shortString());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (failure == null) failure = new IOException(protocol.id() + " channel from " + conn.remotePeer().shortString() + ": " + cause.getMessage(), cause);
            ((YamuxStreamChannel) ctx.channel()).reset();
        }
    }
}
