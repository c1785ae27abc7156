package lanchat.transport.netty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.resource.ResourceManager.ConnectionScope;
import lanchat.api.spi.ChatSession;
import lanchat.transport.tcp.ConnectionAccounts;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.SessionListener;
import lanchat.security.noise.NoiseCipher;
import lanchat.security.noise.netty.NoiseCipherCodec;
import lanchat.transport.tcp.Failures;

/**
 * A chat session over one secured netty-transport connection. Until a listener is set the session keeps reading
 * (pings are answered) but holds at most {@link #HELD_LIMIT} of text before it stops reading, so nothing the peer
 * sent before the app was ready is dropped or buffered without bound. Messages go out through a per-session FIFO on
 * the event loop, in the order {@code send} was called. Protocol channels travel on the same connection through the
 * session's {@link ChannelMux}; chat is written first whenever the socket drains.
 */
final class NettyChatSession implements ChatSession {
    private final Channel channel;
    private final PeerId remote;
    private final Direction direction;
    private final String connectionId;
    private final Executor callbacks;
    private final int maxMessageBytes;
    private final ProtocolRegistry protocols;
    /** This connection's protocol channels. */
    private final ChannelMux mux;
    private final Map<Long, Ping> pings = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Events seen before a listener was set; touched on the event loop only. */
    private final Queue<Consumer<SessionListener>> early = new ArrayDeque<>();
    private volatile SessionListener listener;
    /** Characters of messages received and not yet processed by the app (waiting for a listener or in its queue). */
    private long held;
    /** Messages not yet written, in the order send() was called, and their size; event loop only. */
    private final Queue<Outgoing> outbox = new ArrayDeque<>();
    private long outboxBytes;
    /** close() was called (any thread): new sends fail. */
    private volatile boolean byeRequested;
    /** close() reached the event loop: the outbox takes nothing new; goodbye follows once it is empty. */
    private boolean closeRequested;
    /** Our goodbye went out (or the peer's came in); event loop only. */
    private boolean byeSent;

    /** Reading stops once this much text is held for the app (before it set a listener, or not yet processed). */
    static final int HELD_LIMIT = 64 * 1024;

    /** How long we keep reading after our goodbye before closing anyway. */
    static final Duration BYE_GRACE = Duration.ofSeconds(1);

    private record Ping(long startNanos, CompletableFuture<Duration> result) {}

    NettyChatSession(Channel channel, PeerId remote, Direction direction, byte[] handshakeHash, Executor callbacks, int maxMessageBytes,
                     ProtocolRegistry protocols) {
        this.channel = channel;
        this.remote = remote;
        this.direction = direction;
        this.connectionId = HexFormat.of().formatHex(handshakeHash);
        this.callbacks = callbacks;
        this.maxMessageBytes = maxMessageBytes;
        this.protocols = protocols;
        ConnectionScope account = channel.attr(ConnectionAccounts.ACCOUNT).get();
        this.account = account;
        this.mux = account == null ? new ChannelMux(channel, this, protocols, callbacks)
                : new ChannelMux(channel, this, protocols, callbacks, (d, bytes) -> ConnectionAccounts.reserveStream(account, d, bytes));
    }

    ChannelMux mux() { return mux; }

    /** The Noise transport cipher the handshake settled on; null on a channel without one (tests). */
    NoiseCipher transportCipher() {
        NoiseCipherCodec codec = channel.pipeline().get(NoiseCipherCodec.class);
        return codec == null ? null : codec.transportCipher();
    }

    /** This connection's account in the node's resource manager; null in tests that build a session on a bare channel. */
    private final ConnectionScope account;

    @Override
    public PeerId remotePeer() { return remote; }

    @Override
    public Multiaddr remoteAddress() { return Multiaddr.tcp((InetSocketAddress) channel.remoteAddress()); }

    @Override
    public Direction direction() { return direction; }

    @Override
    public String transport() { return NettyTransportProvider.NAME; }

    @Override
    public String connectionId() { return connectionId; }

    @Override
    public boolean isOpen() { return channel.isActive() && !byeRequested; }

    @Override
    public CompletionStage<Void> send(ChatMessage message) {
        int bytes = io.netty.buffer.ByteBufUtil.utf8Bytes(message.text());
        if (bytes > maxMessageBytes) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("message too long (max " + maxMessageBytes + " bytes)"));
        }
        if (!isOpen()) return CompletableFuture.failedFuture(new IOException("session to " + remote + " is closed"));
        Outgoing out = new Outgoing(new ChatFrame.Message(message), bytes, new CompletableFuture<>());
        // tasks run on the event loop in the order they were submitted, so the outbox sees sends in call order
        channel.eventLoop().execute(() -> enqueue(out));
        return out.done;
    }

    private record Outgoing(ChatFrame.Message frame, int bytes, CompletableFuture<Void> done) {}

    private void enqueue(Outgoing out) {
        if (!channel.isActive() || closeRequested) { // not isOpen(): a close() called after this send waits for it
            out.done.completeExceptionally(new IOException("session to " + remote + " is closed"));
            return;
        }
        if (outboxBytes + out.bytes > 4L * maxMessageBytes) {
            out.done.completeExceptionally(new IOException("peer " + remote.shortString() + " is not reading; send buffer full"));
            return;
        }
        outbox.add(out);
        outboxBytes += out.bytes;
        drain();
    }

    /**
     * Writes queued messages first in, first out, while the socket takes them, then lets the protocol channels write:
     * chat goes first, so it never waits behind a transfer for more than what {@link ChannelMux} keeps in flight.
     * Event loop only.
     */
    void drain() {
        boolean wrote = false;
        while (!outbox.isEmpty() && channel.isWritable()) {
            Outgoing m = outbox.poll();
            outboxBytes -= m.bytes;
            channel.write(m.frame).addListener(w -> {
                if (w.isSuccess()) m.done.complete(null);
                else m.done.completeExceptionally(w.cause());
            });
            wrote = true;
        }
        if (wrote) channel.flush();
        if (closeRequested && outbox.isEmpty()) sayBye();
        else mux.drain();
    }

    @Override
    public CompletionStage<Duration> ping() {
        if (!isOpen()) return CompletableFuture.failedFuture(new IOException("session to " + remote + " is closed"));
        long id = ThreadLocalRandom.current().nextLong();
        CompletableFuture<Duration> rtt = new CompletableFuture<>();
        pings.put(id, new Ping(System.nanoTime(), rtt));
        channel.writeAndFlush(new ChatFrame.Ping(id)).addListener(f -> {
            if (!f.isSuccess()) {
                pings.remove(id);
                rtt.completeExceptionally(f.cause());
            }
        });
        return rtt;
    }

    @Override
    public CompletionStage<ProtocolChannel> openChannel(String protocolId) {
        ProtocolHandler protocol = protocols.find(protocolId).orElse(null);
        if (protocol == null) return CompletableFuture.failedFuture(new IllegalArgumentException("protocol " + protocolId + " is not registered with this transport"));
        if (!isOpen()) return CompletableFuture.failedFuture(new IOException("session to " + remote + " is closed"));
        return mux.open(protocol);
    }

    @Override
    public void setListener(SessionListener l) {
        if (account != null) account.admit(); // the app took the session: it may now hold up to the full connection limit
        channel.eventLoop().execute(() -> {
            listener = l;
            Consumer<SessionListener> e;
            while ((e = early.poll()) != null) deliver(e);
            resumeIfRoom();
        });
    }

    /**
     * Says goodbye once every message sent before is written (bounded by {@link #BYE_GRACE}) and lets the peer close
     * the connection, reading until it does (bounded by {@link #BYE_GRACE} again), so that messages it sent before
     * seeing our goodbye are still delivered.
     */
    @Override
    public CompletionStage<Void> close() {
        byeRequested = true;
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) return;
            closeRequested = true;
            if (outbox.isEmpty()) sayBye();
            else channel.eventLoop().schedule(this::sayBye, BYE_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        });
        return closed;
    }

    private void sayBye() {
        if (byeSent || !channel.isActive()) return;
        byeSent = true;
        mux.end(new IOException("session to " + remote + " closed by us"));
        channel.writeAndFlush(new ChatFrame.Bye());
        channel.eventLoop().schedule(() -> { channel.close(); }, BYE_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    // ---- called on the event loop by ConnectionHandler ----

    void onFrame(ChatFrame frame) {
        if (frame instanceof ChatFrame.ChannelFrame c) {
            mux.onFrame(c);
        } else if (frame instanceof ChatFrame.Message m) {
            // held until the app has processed it (or, before it set a listener, for it): reading stops once a
            // bounded amount is held, so a peer that sends faster than the app prints cannot make us queue without end
            int chars = m.message().text().length();
            held += chars;
            if (held >= HELD_LIMIT) channel.config().setAutoRead(false);
            emit(l -> {
                try {
                    l.onMessage(this, m.message());
                } finally {
                    channel.eventLoop().execute(() -> {
                        held -= chars;
                        resumeIfRoom();
                    });
                }
            });
        } else if (frame instanceof ChatFrame.Ping p) {
            // answered only while the peer reads what we send: a peer that pings without reading gets no answers
            // queued for it (issue 13), as go-yamux answers pings only within its backlog
            if (channel.isWritable()) channel.writeAndFlush(new ChatFrame.Pong(p.id()));
        } else if (frame instanceof ChatFrame.Pong p) {
            Ping ping = pings.remove(p.id());
            if (ping != null) ping.result.complete(Duration.ofNanos(System.nanoTime() - ping.startNanos));
        } else if (frame instanceof ChatFrame.Bye) {
            byeSent = byeRequested = true; // the peer is leaving: do not answer, just close
            mux.end(new IOException("session closed by " + remote));
            channel.close();
        }
    }

    void onClosed(Throwable cause) {
        IOException gone = new IOException("session to " + remote + " closed");
        Outgoing m;
        while ((m = outbox.poll()) != null) m.done.completeExceptionally(gone);
        outboxBytes = 0;
        pings.values().forEach(p -> p.result.completeExceptionally(gone));
        pings.clear();
        mux.end(cause == null ? gone : new IOException("session to " + remote + " ended: " + Failures.describe(cause), cause));
        emit(l -> l.onClosed(this, cause));
        closed.complete(null);
    }

    /** Reads on once a listener is set and the app has processed most of what it was handed. Event loop only. */
    private void resumeIfRoom() {
        if (listener == null || held >= HELD_LIMIT / 2 || channel.config().isAutoRead()) return;
        channel.config().setAutoRead(true);
        channel.read();
    }

    private void emit(Consumer<SessionListener> event) {
        if (listener == null) early.add(event);
        else deliver(event);
    }

    private void deliver(Consumer<SessionListener> event) {
        SessionListener l = listener;
        callbacks.execute(() -> event.accept(l));
    }

    private static CompletionStage<Void> toStage(io.netty.channel.ChannelFuture f) {
        CompletableFuture<Void> r = new CompletableFuture<>();
        f.addListener(x -> {
            if (x.isSuccess()) r.complete(null);
            else r.completeExceptionally(x.cause());
        });
        return r;
    }

    @Override
    public String toString() {
        return "NettyChatSession[" + remote.shortString() + " " + direction + "]";
    }
}
