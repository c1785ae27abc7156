package lanchat.room;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.ProtocolNotSupportedException;
import lanchat.api.spi.SessionListener;

/**
 * In-memory sessions and protocol channels that keep the SPI's promises that the room relies on (messages whole and in
 * order, delivered on one callback thread per side, nothing read before a listener is set, close and reset reach both
 * sides once): deterministic tests of the {@link Room}'s glue without sockets.
 */
final class MemorySessions implements AutoCloseable {
    private final List<ExecutorService> threads = new ArrayList<>();

    /** One side: an identity, the protocols it registered, its callback thread. */
    final class Side {
        final Identity identity = Identity.generate();
        final List<ProtocolHandler> handlers = new ArrayList<>();
        final ExecutorService callbacks = Executors.newSingleThreadExecutor();
        /** Chat lines that reached this side on any session. */
        final BlockingQueue<ChatMessage> lines = new LinkedBlockingQueue<>();

        Side() {
            threads.add(callbacks);
        }

        PeerId peer() {
            return identity.peerId();
        }
    }

    Side side() {
        return new Side();
    }

    /** A connection: the dialer's and the listener's session. */
    Session[] connect(Side dialer, Side listener) {
        String id = "conn-" + System.nanoTime();
        Session out = new Session(dialer, listener, Direction.OUTBOUND, id);
        Session in = new Session(listener, dialer, Direction.INBOUND, id);
        out.other = in;
        in.other = out;
        return new Session[] {out, in};
    }

    @Override
    public void close() {
        threads.forEach(ExecutorService::shutdownNow);
    }

    final class Session implements ChatSession {
        final Side local, remote;
        final Direction direction;
        final String id;
        Session other;
        volatile boolean open = true;
        final List<Channel> channels = new ArrayList<>();

        Session(Side local, Side remote, Direction direction, String id) {
            this.local = local;
            this.remote = remote;
            this.direction = direction;
            this.id = id;
        }

        @Override public PeerId remotePeer() { return remote.peer(); }
        @Override public Multiaddr remoteAddress() { return Multiaddr.parse("/ip4/127.0.0.1/tcp/1"); }
        @Override public Direction direction() { return direction; }
        @Override public String transport() { return "memory"; }
        @Override public String connectionId() { return id; }
        @Override public boolean isOpen() { return open; }
        @Override public CompletionStage<Duration> ping() { return CompletableFuture.completedFuture(Duration.ZERO); }
        @Override public void setListener(SessionListener listener) { }

        @Override
        public CompletionStage<Void> send(ChatMessage message) {
            remote.lines.add(message);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<ProtocolChannel> openChannel(String protocolId) {
            CompletableFuture<ProtocolChannel> result = new CompletableFuture<>();
            ProtocolHandler theirs = remote.handlers.stream().filter(h -> h.id().equals(protocolId)).findFirst().orElse(null);
            if (theirs == null) {
                local.callbacks.execute(() -> result.completeExceptionally(new ProtocolNotSupportedException(remote.peer().shortString() + " does not speak " + protocolId)));
                return result;
            }
            Channel mine = new Channel(this, protocolId, Direction.OUTBOUND);
            Channel peers = new Channel(other, protocolId, Direction.INBOUND);
            mine.peer = peers;
            peers.peer = mine;
            channels.add(mine);
            other.channels.add(peers);
            // the peer's handler runs first, as on a real transport where the peer accepts before the opener hears of it
            remote.callbacks.execute(() -> {
                theirs.onInbound().accept(peers);
                local.callbacks.execute(() -> result.complete(mine));
            });
            return result;
        }

        @Override
        public CompletionStage<Void> close() {
            open = false;
            other.open = false;
            for (Channel c : new ArrayList<>(channels)) c.end(new IOException("session closed"));
            return CompletableFuture.completedFuture(null);
        }
    }

    final class Channel implements ProtocolChannel {
        final Session session;
        final String protocol;
        final Direction direction;
        Channel peer;
        private ChannelListener listener;
        private final ArrayDeque<byte[]> early = new ArrayDeque<>();
        private boolean ended;
        volatile boolean open = true;

        Channel(Session session, String protocol, Direction direction) {
            this.session = session;
            this.protocol = protocol;
            this.direction = direction;
        }

        @Override public String protocol() { return protocol; }
        @Override public ChatSession session() { return session; }
        @Override public Direction direction() { return direction; }
        @Override public boolean isOpen() { return open; }

        @Override
        public CompletionStage<Void> send(byte[] message) {
            if (!open) return CompletableFuture.failedFuture(new IOException("closed"));
            peer.session.local.callbacks.execute(() -> peer.receive(message));
            return CompletableFuture.completedFuture(null);
        }

        private void receive(byte[] message) {
            if (ended) return;
            if (listener == null) early.add(message);
            else listener.onMessage(this, message);
        }

        @Override
        public void setListener(ChannelListener l) {
            session.local.callbacks.execute(() -> {
                listener = l;
                byte[] m;
                while ((m = early.poll()) != null) l.onMessage(this, m);
                if (ended) l.onClosed(this, null);
            });
        }

        @Override
        public CompletionStage<Void> close() {
            end(null);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void reset() {
            end(new IOException("reset"));
        }

        /** Ends both sides, each on its own callback thread, after what was sent before. */
        void end(Throwable cause) {
            for (Channel c : List.of(this, peer)) {
                c.open = false;
                c.session.local.callbacks.execute(() -> {
                    if (c.ended) return;
                    c.ended = true;
                    if (c.listener != null) c.listener.onClosed(c, cause);
                });
            }
        }
    }
}
