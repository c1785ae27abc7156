package lanchat.app.node;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import lanchat.api.spi.TransportProvider;

/**
 * An in-memory network of fake transports. A dial to a listening node makes one {@link Connection}: a pair of
 * {@link Session}s, OUTBOUND at the dialer and INBOUND at the listener, with the same {@code connectionId} on both
 * ends, so two {@link PeerManager}s see a consistent picture. Messages and closes cross from one end to the other
 * as events on the receiving node's callback executor.
 *
 * <p>In {@link #manual} mode a connection is not delivered when it is dialed: the test releases each end
 * ({@link Connection#completeDial()}, {@link Connection#deliverInbound()}) in the order it wants, which is how
 * a simultaneous dial's races are reproduced deterministically. Addresses in {@link #hanging} accept the dial but
 * never answer until the test fails it ({@link Node#hangingDials}).
 */
public final class FakeNetwork {
    private final Map<String, Node> listeners = new HashMap<>();
    /** When true, connections wait in {@link #pending} until the test releases their ends. */
    public boolean manual;
    public final List<Connection> pending = new ArrayList<>();
    /** {@code host:port} keys whose dials hang. */
    public final Set<String> hanging = new HashSet<>();
    private int nextPort = 4000;
    private int nextConnection = 1;

    /** A node of this network, as a transport for {@code self} delivering its events on {@code callbacks}. */
    public Node node(PeerId self, Executor callbacks) {
        return new Node(self, callbacks);
    }

    /** A provider of fake transports on this network, for {@link ChatNode}. */
    public TransportProvider provider() {
        return new TransportProvider() {
            @Override
            public String name() { return "fake"; }

            @Override
            public String description() { return "in-memory test transport"; }

            @Override
            public Transport create(TransportConfig config) { return node(config.identity().peerId(), config.callbacks()); }
        };
    }

    static String key(Multiaddr a) {
        var s = a.toTcpSocketAddress();
        return s.getHostString() + ":" + s.getPort();
    }

    /** One fake transport instance. */
    public final class Node implements Transport {
        public final PeerId self;
        final Executor callbacks;
        private Consumer<ChatSession> inbound;
        private boolean closed;
        /** Every address dialed, in order. */
        public final List<Multiaddr> dials = new CopyOnWriteArrayList<>();
        /** Dials to {@link #hanging} addresses, not yet completed. */
        public final List<CompletableFuture<ChatSession>> hangingDials = new ArrayList<>();
        /** Every session of this node, both directions, in creation order. */
        public final List<Session> sessions = new ArrayList<>();
        /** Where the default inbound handler (used when no PeerManager owns this node) records what arrives. */
        public final List<String> received = new CopyOnWriteArrayList<>();
        private final List<String> listening = new ArrayList<>();

        Node(PeerId self, Executor callbacks) {
            this.self = self;
            this.callbacks = callbacks;
            this.inbound = s -> {
                // a passive peer: accepts, records what it is sent, never dials
                s.setListener(recorder());
            };
        }

        /** A listener that records "message <text>" and "closed" on {@link #received}. */
        public SessionListener recorder() {
            return new SessionListener() {
                @Override
                public void onMessage(ChatSession s, ChatMessage m) { received.add("message " + m.text()); }

                @Override
                public void onClosed(ChatSession s, Throwable cause) { received.add("closed"); }
            };
        }

        @Override
        public String name() { return "fake"; }

        /** Plain TCP addresses only, like the netty transport: a /udp/…/quic-v1 address is not dialable. */
        @Override
        public boolean canDial(Multiaddr address) { return address.isPlainTcp(); }

        @Override
        public void onInbound(Consumer<ChatSession> handler) { this.inbound = handler; }

        @Override
        public void registerProtocol(lanchat.api.spi.ProtocolHandler handler) {
            // the fake carries chat lines only; protocol channels are covered by the transports' contract tests
        }

        @Override
        public CompletionStage<List<Multiaddr>> listen(Multiaddr bind) {
            var requested = bind.toTcpSocketAddress();
            int port;
            synchronized (FakeNetwork.this) {
                port = requested.getPort() == 0 ? nextPort++ : requested.getPort();
                String k = requested.getHostString() + ":" + port;
                if (listeners.containsKey(k)) return CompletableFuture.failedFuture(new IOException("cannot listen on " + bind + ": Address already in use"));
                listeners.put(k, this);
                listening.add(k);
            }
            return CompletableFuture.completedFuture(List.of(Multiaddr.parse("/ip4/" + requested.getHostString() + "/tcp/" + port).withPeerId(self)));
        }

        /** This node's first listen address, with its peer id. */
        public Multiaddr address() {
            synchronized (FakeNetwork.this) {
                String k = listening.get(0);
                String[] hp = k.split(":");
                return Multiaddr.parse("/ip4/" + hp[0] + "/tcp/" + hp[1]).withPeerId(self);
            }
        }

        /** Stops listening (as a crashed or stopped peer): later dials are refused. Sessions stay. */
        public void stopListening() {
            synchronized (FakeNetwork.this) {
                listening.forEach(listeners::remove);
            }
        }

        /** Listens again on the same addresses (a restarted peer). */
        public void resumeListening() {
            synchronized (FakeNetwork.this) {
                listening.forEach(k -> listeners.put(k, this));
            }
        }

        @Override
        public CompletionStage<ChatSession> dial(Multiaddr address) {
            dials.add(address);
            if (closed) return CompletableFuture.failedFuture(new IOException("transport is closed"));
            if (!canDial(address)) return CompletableFuture.failedFuture(new IllegalArgumentException("fake transport cannot dial " + address));
            Connection c;
            synchronized (FakeNetwork.this) {
                String k = key(address);
                if (hanging.contains(k)) {
                    CompletableFuture<ChatSession> f = new CompletableFuture<>();
                    hangingDials.add(f);
                    return f;
                }
                Node target = listeners.get(k);
                if (target == null || target.closed) return CompletableFuture.failedFuture(new IOException("Connection refused"));
                if (address.peerId().isPresent() && !address.peerId().get().equals(target.self)) {
                    return CompletableFuture.failedFuture(new IOException("handshake failed", new lanchat.api.spi.PeerIdMismatchException(address.peerId().get(), target.self)));
                }
                c = new Connection(this, target, "conn-" + String.format("%04d", nextConnection++), address.withoutPeerId());
                if (manual) {
                    pending.add(c);
                    return c.dialResult;
                }
            }
            c.completeDial();
            c.deliverInbound();
            return c.dialResult;
        }

        /** Makes {@code from} dial in to this node right now (an inbound session from a peer that is no PeerManager). */
        public Session acceptFrom(Node from) {
            return acceptFrom(from, "127.0.0.1");
        }

        /** {@link #acceptFrom(Node)} from another source host (an IPv4 address). */
        public Session acceptFrom(Node from, String sourceHost) {
            Connection c;
            synchronized (FakeNetwork.this) {
                c = new Connection(from, this, "conn-" + String.format("%04d", nextConnection++), Multiaddr.parse("/ip4/127.0.0.1/tcp/1"), sourceHost);
            }
            c.completeDial();
            c.deliverInbound();
            c.outbound.setListener(from.recorder());
            return c.inbound;
        }

        @Override
        public void close() {
            closed = true;
            stopListening();
            for (Session s : List.copyOf(sessions)) s.close();
        }

        public boolean isClosed() { return closed; }

        /** Sessions still open. */
        public List<Session> openSessions() {
            return sessions.stream().filter(Session::isOpen).toList();
        }
    }

    /** One connection: its two ends, not yet handed to either node in manual mode. */
    public final class Connection {
        public final Session outbound;
        public final Session inbound;
        final CompletableFuture<ChatSession> dialResult = new CompletableFuture<>();
        private final Node dialer;
        private final Node listener;

        Connection(Node dialer, Node listener, String id, Multiaddr dialedAddress) {
            this(dialer, listener, id, dialedAddress, "127.0.0.1");
        }

        Connection(Node dialer, Node listener, String id, Multiaddr dialedAddress, String sourceHost) {
            this.dialer = dialer;
            this.listener = listener;
            this.outbound = new Session(dialer, listener.self, Direction.OUTBOUND, id, dialedAddress);
            this.inbound = new Session(listener, dialer.self, Direction.INBOUND, id, Multiaddr.parse("/ip4/" + sourceHost + "/tcp/" + (50000 + nextConnection)));
            outbound.other = inbound;
            inbound.other = outbound;
            dialer.sessions.add(outbound);
            listener.sessions.add(inbound);
        }

        /** The dialer's {@code dial} completes with its end. */
        public void completeDial() {
            dialResult.complete(outbound);
        }

        /** The listener's inbound handler gets its end (on the listener's executor). */
        public void deliverInbound() {
            Node l = listener;
            l.callbacks.execute(() -> l.inbound.accept(inbound));
        }

        public Node dialer() { return dialer; }

        public Node listener() { return listener; }

        @Override
        public String toString() {
            return outbound.connectionId + " " + dialer.self.shortString() + "→" + listener.self.shortString();
        }
    }

    /** One end of a fake connection. */
    public static final class Session implements ChatSession {
        final Node owner;
        final PeerId remote;
        final Direction direction;
        final String connectionId;
        final Multiaddr remoteAddress;
        Session other;
        private SessionListener listener;
        private final Queue<Consumer<SessionListener>> early = new ArrayDeque<>();
        private boolean open = true;
        private boolean closeEmitted;
        /** Messages successfully sent on this end. */
        public final List<ChatMessage> sent = new ArrayList<>();
        public int closeCalls;

        Session(Node owner, PeerId remote, Direction direction, String connectionId, Multiaddr remoteAddress) {
            this.owner = owner;
            this.remote = remote;
            this.direction = direction;
            this.connectionId = connectionId;
            this.remoteAddress = remoteAddress;
        }

        @Override
        public java.util.concurrent.CompletionStage<lanchat.api.spi.ProtocolChannel> openChannel(String protocolId) {
            return java.util.concurrent.CompletableFuture.failedFuture(new lanchat.api.spi.ProtocolNotSupportedException("the fake network carries chat lines only"));
        }

        @Override
        public PeerId remotePeer() { return remote; }

        @Override
        public Multiaddr remoteAddress() { return remoteAddress; }

        @Override
        public Direction direction() { return direction; }

        @Override
        public String transport() { return "fake"; }

        @Override
        public String connectionId() { return connectionId; }

        @Override
        public CompletionStage<Void> send(ChatMessage message) {
            synchronized (this) {
                if (!open) return CompletableFuture.failedFuture(new IOException("session is closed"));
                sent.add(message);
            }
            other.emit(l -> l.onMessage(other, message));
            return CompletableFuture.completedFuture(null);
        }

        /** Makes the remote end send {@code text} to this end (the remote need not be a PeerManager). */
        public void receive(String text) {
            other.send(ChatMessage.of(null, text));
        }

        @Override
        public CompletionStage<Duration> ping() {
            if (!open) return CompletableFuture.failedFuture(new IOException("session is closed"));
            return CompletableFuture.completedFuture(Duration.ofMillis(1));
        }

        @Override
        public synchronized void setListener(SessionListener l) {
            listener = l;
            Consumer<SessionListener> e;
            while ((e = early.poll()) != null) {
                Consumer<SessionListener> event = e;
                owner.callbacks.execute(() -> event.accept(l));
            }
        }

        /** Orderly close from this end; the other end sees an orderly close too. */
        @Override
        public CompletionStage<Void> close() {
            closeCalls++;
            ended(null);
            return CompletableFuture.completedFuture(null);
        }

        /** The connection breaks (e.g. keepalive timeout): both ends see {@code cause}. */
        public void fail(Throwable cause) {
            ended(cause);
        }

        private void ended(Throwable cause) {
            boolean wasOpen;
            synchronized (this) {
                wasOpen = open;
                open = false;
            }
            if (!wasOpen) return;
            emitClosed(cause);
            other.remoteEnded(cause);
        }

        private void remoteEnded(Throwable cause) {
            synchronized (this) {
                if (!open) return;
                open = false;
            }
            emitClosed(cause);
        }

        private synchronized void emitClosed(Throwable cause) {
            if (closeEmitted) return;
            closeEmitted = true;
            emit(l -> l.onClosed(this, cause));
        }

        private synchronized void emit(Consumer<SessionListener> event) {
            if (listener == null) {
                early.add(event);
            } else {
                SessionListener l = listener;
                owner.callbacks.execute(() -> event.accept(l));
            }
        }

        @Override
        public synchronized boolean isOpen() { return open; }

        @Override
        public String toString() {
            return "Session[" + connectionId + " " + direction + " to " + remote.shortString() + (open ? "" : " closed") + "]";
        }
    }
}
