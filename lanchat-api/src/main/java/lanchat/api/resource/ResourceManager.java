package lanchat.api.resource;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import lanchat.api.PeerId;
import lanchat.api.spi.Direction;

/**
 * Bounds what peers can make this node hold, in the spirit of go-libp2p's resource manager: a tree of scopes,
 * <pre>
 *   system ─┬─ transient (connections still in their handshake) ─┐
 *           └─ peer (one per authenticated peer) ─────────────────┴─ connection ── stream
 * </pre>
 * each with limits on connections, streams and bytes buffered ({@link ResourceLimits}). Every reservation is checked
 * against its scope and all the scopes above it <em>before</em> memory is committed, and either succeeds everywhere or
 * nowhere. A connection counts in the transient scope until {@link ConnectionScope#setPeer} moves it to its peer's;
 * until the app admits its session ({@link ConnectionScope#admit}) it may hold only
 * {@link ResourceLimits#unadmittedMemory()}.
 *
 * <p>One manager per node, shared by its transports; thread-safe (one lock: reservations are per connection, stream or
 * buffer, never per byte).
 */
public final class ResourceManager {
    private final ResourceLimits limits;
    private final Usage system;
    private final Usage transientUsage;
    private final Map<PeerId, Usage> peers = new HashMap<>();
    private final Map<Source, Integer> handshakingPerIp = new HashMap<>();
    /** Authenticated inbound connections per source ({@link ResourceLimits#authenticatedPerIp()}). */
    private final Map<Source, Integer> securedInboundPerIp = new HashMap<>();

    /** How many times the per-address limits an IPv6 /64 may hold, as go-libp2p gives an IPv6 prefix more than an address. */
    static final int PER_IPV6_SUBNET = 8;

    /**
     * Whose inbound connections count together. One IPv6 host has a whole /64 of addresses to connect from (it picks its
     * interface ids), so a global or unique-local IPv6 address counts by its /64, with {@link #PER_IPV6_SUBNET} times
     * the per-address limit (a LAN's hosts share its /64 too, so the bucket is wider than one address's). IPv4 addresses
     * count one by one, and so do link-local ones: every host of a link shares fe80::/64, so its /64 says nothing
     * about who connects.
     */
    private record Source(InetAddress address, boolean subnet) {
        static Source of(InetAddress a) {
            if (!(a instanceof Inet6Address) || a.isLinkLocalAddress() || a.isLoopbackAddress()) return new Source(a, false);
            byte[] prefix = Arrays.copyOf(a.getAddress(), 16); // without the scope id: it names our interface, not the peer
            Arrays.fill(prefix, 8, 16, (byte) 0);
            try {
                return new Source(InetAddress.getByAddress(prefix), true);
            } catch (UnknownHostException e) {
                throw new AssertionError("16 bytes are an IPv6 address", e);
            }
        }

        /**
         * The limit for this source: {@code perAddress}, or for a /64 {@link #PER_IPV6_SUBNET} times it, but never more
         * than half of {@code scopeTotal} (the scope's inbound connections), so that one /64 — possibly one host —
         * cannot take the whole scope (review: at the defaults 16 × 8 was all 128 of the node's inbound slots).
         */
        int limit(int perAddress, int scopeTotal) {
            if (!subnet) return perAddress;
            return (int) Math.max(perAddress, Math.min((long) perAddress * PER_IPV6_SUBNET, scopeTotal / 2));
        }

        @Override
        public String toString() {
            return subnet ? address.getHostAddress() + "/64" : address.getHostAddress();
        }
    }

    public ResourceManager(ResourceLimits limits) {
        this.limits = limits;
        this.system = new Usage("system", limits.system());
        this.transientUsage = new Usage("transient", limits.transientScope());
    }

    public ResourceLimits limits() {
        return limits;
    }

    /** What one scope holds now. */
    public record Snapshot(int inboundConns, int outboundConns, int inboundStreams, int outboundStreams, long memory) {}

    /** What the whole node holds now (tests, diagnostics, the bench). */
    public synchronized Snapshot system() {
        return system.snapshot();
    }

    /** What connections still in their handshake hold now. */
    public synchronized Snapshot handshaking() {
        return transientUsage.snapshot();
    }

    /** How many authenticated peers hold anything now. */
    public synchronized int peers() {
        return peers.size();
    }

    /**
     * Admits a new connection (before any of its bytes is read) into the transient scope. Inbound connections are also
     * counted per source address while they are in their handshake.
     *
     * @param remote the peer's address; may be null for an outbound connection (a name not yet resolved)
     * @throws ResourceLimitException when the system, the transient scope or {@code remote}'s address (an IPv6 one's /64)
     *     is at its limit
     */
    public synchronized ConnectionScope openConnection(Direction direction, InetAddress remote) throws ResourceLimitException {
        boolean in = direction == Direction.INBOUND;
        if (in && remote == null) throw new IllegalArgumentException("an inbound connection has a remote address");
        Source source = in ? Source.of(remote) : null;
        if (in && handshakingPerIp.getOrDefault(source, 0) >= source.limit(limits.unauthenticatedPerIp(), limits.transientScope().inboundConns())) {
            throw new ResourceLimitException(source.limit(limits.unauthenticatedPerIp(), limits.transientScope().inboundConns()) + " connections from " + source + " are already in their handshake");
        }
        List<Usage> chain = List.of(transientUsage, system);
        check(chain, u -> in ? u.inConns + 1 > u.limits.inboundConns() : u.outConns + 1 > u.limits.outboundConns(), in ? "inbound connections" : "outbound connections");
        for (Usage u : chain) {
            if (in) u.inConns++;
            else u.outConns++;
        }
        if (in) handshakingPerIp.merge(source, 1, Integer::sum);
        return new ConnectionScope(direction, source);
    }

    private interface Over {
        boolean test(Usage u);
    }

    private static void check(List<Usage> chain, Over over, String what) throws ResourceLimitException {
        for (Usage u : chain) {
            if (over.test(u)) throw new ResourceLimitException(u.name + " scope is at its limit of " + what);
        }
    }

    /** Counts of one scope. Guarded by the manager's lock. */
    private static final class Usage {
        final String name;
        final ScopeLimits limits;
        int inConns, outConns, inStreams, outStreams;
        long memory;

        Usage(String name, ScopeLimits limits) {
            this.name = name;
            this.limits = limits;
        }

        Snapshot snapshot() {
            return new Snapshot(inConns, outConns, inStreams, outStreams, memory);
        }

        boolean empty() {
            return inConns == 0 && outConns == 0 && inStreams == 0 && outStreams == 0 && memory == 0;
        }
    }

    /** Something that holds memory on a scope's account. */
    public interface MemoryScope {
        /** Reserves {@code bytes} here and in every scope above, or nowhere; false when any would pass its limit. */
        boolean reserveMemory(long bytes);

        /** Gives back what {@link #reserveMemory} took. */
        void releaseMemory(long bytes);
    }

    /** One connection's account. Close it exactly once, when the connection is gone: it gives back everything. */
    public final class ConnectionScope implements MemoryScope {
        private final Direction direction;
        /** Where an inbound connection comes from; null for an outbound one. */
        private final Source remote;
        private final Usage own;
        private final List<StreamScope> streams = new ArrayList<>();
        private Usage parent = transientUsage;
        private PeerId peer;
        private boolean admitted;
        private boolean closed;

        private ConnectionScope(Direction direction, Source remote) {
            this.direction = direction;
            this.remote = remote;
            this.own = new Usage("connection", limits.connection());
        }

        /**
         * This connection, then its peer scope and the system; or, while in its handshake, the transient scope alone:
         * handshakes have a budget of their own ({@code transient.memory}), not taken from the system's, so that a node
         * whose memory peers have filled still completes handshakes with new peers (issue 13: 112 incomplete frames
         * from throw-away peers kept a legitimate peer out for 19 s). The system may so hold up to
         * {@code transient.memory} more than {@code system.memory}.
         */
        private List<Usage> chain() {
            return parent == transientUsage ? List.of(own, transientUsage) : List.of(own, parent, system);
        }

        private long ownMemoryLimit() {
            return admitted ? limits.connection().memory() : Math.min(limits.unadmittedMemory(), limits.connection().memory());
        }

        /**
         * The handshake proved {@code peer}: the connection leaves the transient scope for the peer's.
         *
         * @throws ResourceLimitException when the peer already has as many connections (or as much memory) as it may, or
         *     when what the connection holds would take the node past {@code system.memory}: the move never does (callers
         *     give back the handshake's own room first, see {@code ConnectionAccounts.secured}); on refusal nothing moves
         */
        public void setPeer(PeerId id) throws ResourceLimitException {
            synchronized (ResourceManager.this) {
                if (closed) throw new ResourceLimitException("connection already closed");
                if (peer != null) throw new IllegalStateException("peer already set");
                Usage p = peers.computeIfAbsent(id, k -> new Usage("peer " + k.shortString(), limits.peer()));
                boolean in = direction == Direction.INBOUND;
                if (in && securedInboundPerIp.getOrDefault(remote, 0) >= remote.limit(limits.authenticatedPerIp(), limits.system().inboundConns())) {
                    if (p.empty()) peers.remove(id);
                    throw new ResourceLimitException(remote.limit(limits.authenticatedPerIp(), limits.system().inboundConns()) + " authenticated connections from " + remote + " are already open");
                }
                if ((in ? p.inConns + 1 > p.limits.inboundConns() : p.outConns + 1 > p.limits.outboundConns()) || p.memory + own.memory > p.limits.memory()) {
                    if (p.empty()) peers.remove(id);
                    throw new ResourceLimitException("peer " + id.shortString() + " is at its limit of " + (in ? "inbound" : "outbound") + " connections");
                }
                if (system.memory + own.memory > system.limits.memory()) { // what the handshake holds joins the node's memory
                    if (p.empty()) peers.remove(id);
                    throw new ResourceLimitException("the node is at its memory limit: no room for the " + own.memory + " bytes peer " + id.shortString() + "'s connection holds");
                }
                move(transientUsage, p, in);
                system.memory += own.memory; // out of the handshake's own budget, into the system's
                if (in) {
                    leaveHandshake();
                    securedInboundPerIp.merge(remote, 1, Integer::sum);
                }
                parent = p;
                peer = id;
            }
        }

        private void move(Usage from, Usage to, boolean in) {
            if (in) {
                from.inConns--;
                to.inConns++;
            } else {
                from.outConns--;
                to.outConns++;
            }
            from.memory -= own.memory;
            to.memory += own.memory;
            from.inStreams -= own.inStreams;
            to.inStreams += own.inStreams;
            from.outStreams -= own.outStreams;
            to.outStreams += own.outStreams;
        }

        private void leaveHandshake() {
            handshakingPerIp.computeIfPresent(remote, (k, n) -> n == 1 ? null : n - 1);
        }

        /** The app accepted the session (e.g. its peer is a member of the room): the full connection limit applies. */
        public void admit() {
            synchronized (ResourceManager.this) {
                admitted = true;
            }
        }

        @Override
        public boolean reserveMemory(long bytes) {
            synchronized (ResourceManager.this) {
                return !closed && reserve(chain(), ownMemoryLimit(), bytes);
            }
        }

        @Override
        public void releaseMemory(long bytes) {
            synchronized (ResourceManager.this) {
                if (!closed) release(chain(), bytes);
            }
        }

        /**
         * Reserves bytes queued for a peer that has not read them yet, against its peer's and the node's memory (not
         * the connection's own limit: its streams' windows fill that, and the transport bounds its queue itself);
         * counted on the connection too, so that {@link #releaseMemory} and {@link #close} give it back.
         *
         * @return false when the peer or the node would pass its memory limit: the caller closes the connection
         */
        public boolean reserveQueued(long bytes) {
            synchronized (ResourceManager.this) {
                return !closed && reserve(chain(), Long.MAX_VALUE, bytes);
            }
        }

        /**
         * Opens a stream's account on this connection.
         *
         * @throws ResourceLimitException when this connection, its peer or the system has as many such streams as it may
         */
        public StreamScope openStream(Direction d) throws ResourceLimitException {
            synchronized (ResourceManager.this) {
                if (closed) throw new ResourceLimitException("connection closed");
                boolean in = d == Direction.INBOUND;
                check(chain(), u -> in ? u.inStreams + 1 > u.limits.inboundStreams() : u.outStreams + 1 > u.limits.outboundStreams(), in ? "inbound streams" : "outbound streams");
                for (Usage u : chain()) {
                    if (in) u.inStreams++;
                    else u.outStreams++;
                }
                StreamScope s = new StreamScope(this, d);
                streams.add(s);
                return s;
            }
        }

        /** Gives back everything the connection and its streams hold. Idempotent. */
        public void close() {
            synchronized (ResourceManager.this) {
                if (closed) return;
                for (StreamScope s : List.copyOf(streams)) s.close();
                release(chain(), own.memory);
                boolean in = direction == Direction.INBOUND;
                for (Usage u : List.of(parent, system)) {
                    if (in) u.inConns--;
                    else u.outConns--;
                }
                if (peer == null && in) leaveHandshake();
                if (peer != null && in) securedInboundPerIp.computeIfPresent(remote, (k, n) -> n == 1 ? null : n - 1);
                if (peer != null && parent.empty()) peers.remove(peer);
                closed = true;
            }
        }
    }

    /** One stream's (or protocol channel's) account. Close it exactly once, when the stream is gone. */
    public final class StreamScope implements MemoryScope {
        private final ConnectionScope conn;
        private final Direction direction;
        private long memory;
        private boolean closed;

        private StreamScope(ConnectionScope conn, Direction direction) {
            this.conn = conn;
            this.direction = direction;
        }

        @Override
        public boolean reserveMemory(long bytes) {
            synchronized (ResourceManager.this) {
                if (closed || memory + bytes > limits.stream().memory()) return false;
                if (!reserve(conn.chain(), conn.ownMemoryLimit(), bytes)) return false;
                memory += bytes;
                return true;
            }
        }

        /**
         * Reserves {@code bytes} more for this stream only from memory nobody else is likely to need: the stream stays
         * within its own limit, and its connection, peer and the system each stay at or below half of theirs after
         * the reservation. For what makes a stream faster but is not needed to run it (a larger yamux receive window);
         * go-libp2p's yamux asks its resource manager for window growth the same way, at priority 128 of 255.
         *
         * @return false when refused; nothing is reserved then
         */
        public boolean reserveSpareMemory(long bytes) {
            synchronized (ResourceManager.this) {
                if (bytes < 0) throw new IllegalArgumentException("negative reservation");
                if (closed || memory + bytes > limits.stream().memory()) return false;
                List<Usage> chain = conn.chain();
                for (int i = 0; i < chain.size(); i++) {
                    long limit = i == 0 ? conn.ownMemoryLimit() : chain.get(i).limits.memory();
                    if (chain.get(i).memory + bytes > limit / 2) return false;
                }
                for (Usage u : chain) u.memory += bytes;
                memory += bytes;
                return true;
            }
        }

        @Override
        public void releaseMemory(long bytes) {
            synchronized (ResourceManager.this) {
                if (closed) return;
                long b = Math.min(bytes, memory);
                memory -= b;
                release(conn.chain(), b);
            }
        }

        /** Gives back the stream's count and memory. Idempotent. */
        public void close() {
            synchronized (ResourceManager.this) {
                if (closed) return;
                closed = true;
                release(conn.chain(), memory);
                memory = 0;
                for (Usage u : conn.chain()) {
                    if (direction == Direction.INBOUND) u.inStreams--;
                    else u.outStreams--;
                }
                conn.streams.remove(this);
            }
        }
    }

    /** {@code chain.get(0)} is limited by {@code firstLimit} (a connection's depends on admission), the rest by their own. */
    private static boolean reserve(List<Usage> chain, long firstLimit, long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative reservation");
        for (int i = 0; i < chain.size(); i++) {
            Usage u = chain.get(i);
            long limit = i == 0 ? firstLimit : u.limits.memory();
            if (u.memory + bytes > limit) return false;
        }
        for (Usage u : chain) u.memory += bytes;
        return true;
    }

    private static void release(List<Usage> chain, long bytes) {
        for (Usage u : chain) u.memory = Math.max(0, u.memory - bytes);
    }
}
