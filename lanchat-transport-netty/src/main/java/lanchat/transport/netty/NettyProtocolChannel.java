package lanchat.transport.netty;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import lanchat.api.spi.ChannelLimits;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;

/**
 * A {@link ProtocolChannel} on one id of its connection's {@link ChannelMux}. All state lives on the connection's
 * event loop; the public methods hop onto it.
 *
 * <ul>
 *   <li><b>Sending</b>: messages wait in a {@link SendQueue} of at most {@link ChannelLimits#sendBufferBytes()} (beyond,
 *   a send fails at once) until the mux's scheduler writes them as chunks, within this channel's credit.
 *   <li><b>Receiving</b>: whole messages go to the listener on the callback executor while the channel is
 *   <em>reading</em>: a listener is set, and no more than {@link ChannelLimits#receiveBufferBytes()} of delivered
 *   messages are not yet done with (reading resumes once half of that is done with). Otherwise they wait here.
 *   Bytes are credited back to the peer once <em>read</em>: when their message reaches the listener, or, for a
 *   message still being assembled, as they arrive while the channel is reading. So at most the window waits unread
 *   here, a message larger than the window still flows, and a receiver that does not keep up stops the sender.
 *   <li><b>Closing</b>: our Close goes after every queued message; the peer's Close makes us close too; with both,
 *   the listener hears {@code onClosed(null)} after every message. A peer that does not answer our Close within
 *   {@link #CLOSE_GRACE_MS} is reset. A reset, a broken rule or the session's end abort with a cause.
 * </ul>
 */
final class NettyProtocolChannel implements ProtocolChannel {
    /** How long a channel that sent its Close waits for the peer's before resetting it. */
    static final long CLOSE_GRACE_MS = 5_000;
    /**
     * Read bytes are credited back once this many are due: a sixteenth of the window (one chunk) rather than half, so that a sender
     * that keeps only part of its window in flight (see {@link ChannelMux#MAX_UNCREDITED}) still gets credit in time.
     * Any amount is valid on the wire, so peers that grant at half a window interoperate.
     */
    static final int CREDIT_STEP = ChannelFrames.WINDOW / 16;

    private final ChannelMux mux;
    private final int id;
    private final ProtocolHandler protocol;
    private final ChannelLimits limits;
    private final Direction direction;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicBoolean listenerSet = new AtomicBoolean();
    /** False once close() or reset() was called, the peer closed, or the channel ended. */
    private volatile boolean open = true;

    // ---- event loop only ----
    private final SendQueue sendQueue;
    private int sendCredit = ChannelFrames.WINDOW;
    private boolean closeRequested;
    private boolean closeSent;
    /** In the mux's ready queue. */
    boolean scheduled;

    private final MessageAssembler assembler;
    /** Whole messages not yet handed to the listener, with the bytes of each not yet counted as read. */
    private final ArrayDeque<Received> waiting = new ArrayDeque<>();
    private ChannelListener listener;
    /** Bytes delivered to the listener and not yet done with. */
    private long held;
    private boolean paused;
    /** Bytes received and not yet credited back: the peer may never make this exceed the window. */
    private int outstanding;
    /** Bytes read and not yet credited back (part of {@link #outstanding}). */
    private int readUncredited;
    /** Bytes of the message being assembled that arrived while not reading. */
    private int partialUnread;
    private boolean closeReceived;
    private boolean ended;
    private Throwable endCause;
    private ScheduledFuture<?> grace;

    private record Received(byte[] message, int unread) {}

    NettyProtocolChannel(ChannelMux mux, int id, ProtocolHandler protocol, Direction direction) {
        this.mux = mux;
        this.id = id;
        this.protocol = protocol;
        this.limits = protocol.limits();
        this.direction = direction;
        this.sendQueue = new SendQueue(limits.sendBufferBytes());
        this.assembler = new MessageAssembler(limits.maxMessageBytes());
    }

    int id() { return id; }

    @Override
    public String protocol() { return protocol.id(); }

    @Override
    public ChatSession session() { return mux.session(); }

    @Override
    public Direction direction() { return direction; }

    @Override
    public boolean isOpen() { return open; }

    @Override
    public CompletionStage<Void> send(byte[] message) {
        if (message.length > limits.maxMessageBytes()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("message of " + message.length + " bytes is over " + protocol.id() + "'s limit of " + limits.maxMessageBytes()));
        }
        if (!open) return CompletableFuture.failedFuture(closedException());
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!mux.execute(() -> enqueue(message, done))) done.completeExceptionally(closedException()); // the transport is gone
        return done;
    }

    private void enqueue(byte[] message, CompletableFuture<Void> done) {
        if (closeRequested || ended) {
            done.completeExceptionally(closedException());
        } else if (!sendQueue.offer(message, done)) {
            done.completeExceptionally(new IOException(protocol.id() + " channel to " + mux.peerName() + ": send buffer full (the peer is not reading)"));
        } else {
            mux.schedule(this);
        }
    }

    @Override
    public void setListener(ChannelListener l) {
        if (l == null) throw new IllegalArgumentException("listener is null");
        if (!listenerSet.compareAndSet(false, true)) throw new IllegalStateException("the listener is set once");
        mux.execute(() -> {
            listener = l;
            if (ended) notifyClosed();
            else pump();
        });
    }

    @Override
    public CompletionStage<Void> close() {
        open = false;
        mux.execute(this::requestClose);
        return closed;
    }

    @Override
    public void reset() {
        open = false;
        mux.execute(() -> abort(new IOException(protocol.id() + " channel reset by us")));
    }

    // ---- sending, driven by the mux's scheduler ----

    private void requestClose() {
        if (ended || closeRequested) return;
        closeRequested = true;
        mux.schedule(this);
    }

    /** True when the next {@link #writeNext} writes a chunk (rather than our Close). */
    boolean nextIsChunk() {
        return !sendQueue.isEmpty();
    }

    /** Credit spent on chunks and not yet granted back. */
    int spentCredit() {
        return ChannelFrames.WINDOW - sendCredit;
    }

    /** True when {@link #writeNext} has something to write: a chunk the credit allows, or our Close. */
    boolean wantsWrite() {
        if (ended || closeSent) return false;
        if (!sendQueue.isEmpty()) return sendCredit >= sendQueue.creditNeeded();
        return closeRequested;
    }

    /** Writes (without flushing) the next chunk, or our Close once every message is written. */
    void writeNext() {
        if (!sendQueue.isEmpty()) {
            SendQueue.Chunk chunk = sendQueue.next(id, sendCredit);
            sendCredit -= chunk.cost();
            mux.writeChunk(chunk);
            return;
        }
        closeSent = true;
        mux.write(new ChatFrame.Close(id));
        if (closeReceived) {
            end(null);
        } else {
            grace = mux.schedule(() -> abort(new IOException(mux.peerName() + " did not close " + protocol.id() + " within " + CLOSE_GRACE_MS + " ms")),
                    CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
        }
    }

    void onCredit(int bytes) {
        if (bytes > ChannelFrames.WINDOW - sendCredit) {
            violation("the peer granted credit beyond the window");
            return;
        }
        sendCredit += bytes;
        mux.credited(bytes);
        mux.schedule(this);
    }

    // ---- receiving ----

    /** Takes a chunk in; does not release it (the mux does). */
    void onData(ChatFrame.Data chunk) {
        if (closeReceived) {
            violation("the peer sent data after its close");
            return;
        }
        int cost = chunk.payload().readableBytes() + (chunk.first() ? ChannelFrames.LENGTH_BYTES : 0);
        outstanding += cost;
        if (outstanding > ChannelFrames.WINDOW) {
            violation("the peer sent " + outstanding + " bytes on a credit of " + ChannelFrames.WINDOW);
            return;
        }
        byte[] message;
        try {
            message = assembler.add(chunk);
        } catch (ChannelViolation v) {
            violation(v.getMessage());
            return;
        }
        if (reading()) readUncredited += cost; // nothing waits ahead of it: it is read as it arrives
        else partialUnread += cost;
        if (message != null) {
            waiting.add(new Received(message, partialUnread));
            partialUnread = 0;
        }
        pump();
    }

    void onClose() {
        if (closeReceived) return;
        if (assembler.inMessage()) {
            violation("the peer closed in the middle of a message");
            return;
        }
        closeReceived = true;
        open = false;
        if (closeSent) end(null);
        else requestClose(); // the peer is done: so are we, after what we still have to send
    }

    void onReset() {
        abort(new IOException(protocol.id() + " channel reset by " + mux.peerName()), false);
    }

    void onSessionEnd(Throwable cause) {
        end(cause);
    }

    private boolean reading() {
        return listener != null && !paused;
    }

    /** Hands waiting messages to the listener while reading, then credits back what was read. */
    private void pump() {
        while (reading() && !waiting.isEmpty()) {
            Received r = waiting.poll();
            readUncredited += r.unread;
            deliver(r.message);
        }
        if (reading()) {
            readUncredited += partialUnread; // the message being assembled now has nothing waiting ahead of it
            partialUnread = 0;
        }
        if (!ended && !closeReceived && readUncredited >= CREDIT_STEP) {
            int grant = readUncredited;
            outstanding -= grant;
            readUncredited = 0; // before writing: a write may run queued tasks that come back here
            mux.writeAndFlush(new ChatFrame.Credit(id, grant));
        }
    }

    private void deliver(byte[] message) {
        long cost = message.length + (long) ChannelFrames.LENGTH_BYTES;
        held += cost;
        if (held > limits.receiveBufferBytes()) paused = true;
        ChannelListener l = listener;
        Runnable doneWith = () -> mux.execute(() -> {
            held -= cost;
            if (paused && held <= limits.receiveBufferBytes() / 2) {
                paused = false;
                pump();
            }
        });
        mux.callback(() -> {
            CompletionStage<?> work = null;
            try {
                work = l.onMessage(this, message);
            } finally {
                if (work == null) doneWith.run();
                else work.whenComplete((x, e) -> doneWith.run());
            }
        });
    }

    // ---- ending ----

    private void violation(String what) {
        mux.reportViolation(this, what);
        abort(new ChannelViolation(protocol.id() + " channel with " + mux.peerName() + ": " + what));
    }

    private void abort(Throwable cause) {
        abort(cause, true);
    }

    private void abort(Throwable cause, boolean tellPeer) {
        if (ended) return;
        end(cause);
        if (tellPeer) mux.writeAndFlush(new ChatFrame.Reset(id));
    }

    /** Ends the channel once: fails unsent messages, frees the id, and tells the listener (if any yet). */
    private void end(Throwable cause) {
        if (ended) return;
        ended = true;
        open = false;
        endCause = cause;
        if (grace != null) grace.cancel(false);
        mux.released(spentCredit()); // what it spent and will never get back
        sendCredit = ChannelFrames.WINDOW;
        sendQueue.failAll(cause != null ? cause : closedException());
        mux.remove(this);
        if (listener != null) notifyClosed();
        closed.complete(null);
    }

    /** Every message that arrived whole goes to the listener first, then the end. */
    private void notifyClosed() {
        Received r;
        while ((r = waiting.poll()) != null) deliver(r.message); // paused or not: nothing more will come
        ChannelListener l = listener;
        Throwable cause = endCause;
        mux.callback(() -> l.onClosed(this, cause));
    }

    private IOException closedException() {
        return new IOException(protocol.id() + " channel to " + mux.peerName() + " is closed");
    }

    @Override
    public String toString() {
        return "NettyProtocolChannel[" + protocol.id() + " #" + id + " " + direction + "]";
    }
}
