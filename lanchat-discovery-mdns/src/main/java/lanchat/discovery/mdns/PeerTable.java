package lanchat.discovery.mdns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.api.spi.DiscoveryEvent.PeerFound;
import lanchat.api.spi.DiscoveryEvent.PeerLost;

/**
 * The members of the room we have heard of, bounded: at most {@code maxPeers} peers (newcomers beyond that are
 * ignored until room frees up), at most {@link #MAX_PEERS_PER_SENDER} of them first heard from one other host (so
 * that one host spoofing records cannot fill the table and lock the real members out), and {@code maxAddrs}
 * addresses per peer (a new address evicts the one heard of least recently). Not thread-safe: used on the
 * discovery's event loop only. Times are milliseconds of any monotonic clock.
 *
 * <p>An address leaves the table when
 * <ul>
 *   <li>a goodbye (TTL 0) names it, or names the instance it was heard from;</li>
 *   <li>its TTL runs out;</li>
 *   <li>it was not heard again after {@code missLimit} of our periodic queries in a row ("passive observation of
 *       failures", RFC 6762 10.5): every peer answers every query (we send no known answers), so a peer that crashed
 *       is dropped after a few query intervals instead of after go's 3200 s TTL.</li>
 * </ul>
 * Each change of a peer's address set is reported: {@link PeerFound} with the whole current set, or {@link PeerLost}
 * when the set becomes empty.
 */
final class PeerTable {
    /** TTLs are clamped to this (75 minutes, RFC 6762's usual TTL for non-host records). */
    static final long MAX_TTL_SECONDS = 4500;
    /**
     * Peers one other host may introduce. A host runs one node, a few when someone tests several on one machine;
     * records of more peers from one sender are a flood (issue 13: 258 spoofed peers from one host). Records from
     * this host are not counted: any number of local nodes may share a room.
     */
    static final int MAX_PEERS_PER_SENDER = 8;

    private static final class Addr {
        String instance;
        long expiresAt;
        long lastSeen;
        int misses;
    }

    private static final class Peer {
        /** The host whose record introduced the peer; null for this host. */
        final InetAddress introducedBy;
        final LinkedHashMap<Multiaddr, Addr> addrs = new LinkedHashMap<>();
        /** Which of its transports listens on which port, as its last record said (empty: it did not say). */
        Map<String, Integer> transportPorts = Map.of();
        List<Multiaddr> reported = List.of();
        Map<String, Integer> reportedPorts = Map.of();

        Peer(InetAddress introducedBy) {
            this.introducedBy = introducedBy;
        }
    }

    private final int maxPeers, maxAddrs, missLimit;
    private final LinkedHashMap<PeerId, Peer> peers = new LinkedHashMap<>();
    /** How many of {@link #peers} each other host introduced. */
    private final Map<InetAddress, Integer> perSender = new HashMap<>();
    private long lastRound = Long.MIN_VALUE;
    private long ignoredPeers;

    PeerTable(int maxPeers, int maxAddrs, int missLimit) {
        if (maxPeers < 1 || maxAddrs < 1 || missLimit < 1) throw new IllegalArgumentException("limits must be positive");
        this.maxPeers = maxPeers;
        this.maxAddrs = maxAddrs;
        this.missLimit = missLimit;
    }

    /**
     * {@code peer} advertised {@code addrs} from {@code instance} with a TTL of {@code ttlSeconds} (> 0), in a
     * datagram from {@code sender} (null: from this host).
     */
    List<DiscoveryEvent> seen(InetAddress sender, String instance, PeerId peer, List<Multiaddr> addrs, long ttlSeconds, long now) {
        return seen(sender, instance, peer, addrs, Map.of(), ttlSeconds, now);
    }

    /** {@link #seen(InetAddress, String, PeerId, List, long, long)} from a record that said which transport listens where. */
    List<DiscoveryEvent> seen(InetAddress sender, String instance, PeerId peer, List<Multiaddr> addrs, Map<String, Integer> transportPorts, long ttlSeconds, long now) {
        Peer p = peers.get(peer);
        if (p == null) {
            if (peers.size() >= maxPeers || (sender != null && perSender.getOrDefault(sender, 0) >= MAX_PEERS_PER_SENDER)) {
                ignoredPeers++;
                return List.of();
            }
            p = new Peer(sender);
            peers.put(peer, p);
            if (sender != null) perSender.merge(sender, 1, Integer::sum);
        }
        long ttl = Math.max(1, Math.min(ttlSeconds, MAX_TTL_SECONDS)) * 1000;
        p.transportPorts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(transportPorts)); // in the peer's order; at most TxtRecords.MAX_TRANSPORTS
        int added = 0;
        for (Multiaddr a : addrs) {
            if (added++ >= maxAddrs) break;
            Addr st = p.addrs.get(a);
            if (st == null) {
                if (p.addrs.size() >= maxAddrs) evictOldest(p, now);
                st = new Addr();
                p.addrs.put(a, st);
            }
            st.instance = instance;
            st.expiresAt = now + ttl;
            st.lastSeen = now;
            st.misses = 0;
        }
        List<DiscoveryEvent> out = new ArrayList<>();
        report(peer, p, out);
        return out;
    }

    private static void evictOldest(Peer p, long now) {
        Multiaddr oldest = null;
        long t = Long.MAX_VALUE;
        for (Map.Entry<Multiaddr, Addr> e : p.addrs.entrySet()) {
            if (e.getValue().lastSeen < t) {
                t = e.getValue().lastSeen;
                oldest = e.getKey();
            }
        }
        if (oldest != null) p.addrs.remove(oldest);
    }

    /** A goodbye (TTL 0) for these addresses of {@code peer}. */
    List<DiscoveryEvent> goodbye(PeerId peer, List<Multiaddr> addrs) {
        Peer p = peers.get(peer);
        if (p == null) return List.of();
        for (Multiaddr a : addrs) p.addrs.remove(a);
        List<DiscoveryEvent> out = new ArrayList<>();
        report(peer, p, out);
        return out;
    }

    /** A goodbye (TTL 0) for the PTR of {@code instance}: every address heard from that instance goes. */
    List<DiscoveryEvent> goodbyeInstance(String instance) {
        List<DiscoveryEvent> out = new ArrayList<>();
        for (Map.Entry<PeerId, Peer> e : new ArrayList<>(peers.entrySet())) {
            e.getValue().addrs.values().removeIf(a -> a.instance.equals(instance));
            report(e.getKey(), e.getValue(), out);
        }
        return out;
    }

    /** Drops addresses whose TTL ran out. */
    List<DiscoveryEvent> expire(long now) {
        List<DiscoveryEvent> out = new ArrayList<>();
        for (Map.Entry<PeerId, Peer> e : new ArrayList<>(peers.entrySet())) {
            if (e.getValue().addrs.values().removeIf(a -> a.expiresAt <= now)) report(e.getKey(), e.getValue(), out);
        }
        return out;
    }

    /**
     * Call just before each periodic query: addresses not heard since the previous one get a miss, and go after
     * {@code missLimit} misses in a row.
     */
    List<DiscoveryEvent> queryRound(long now) {
        List<DiscoveryEvent> out = new ArrayList<>();
        if (lastRound != Long.MIN_VALUE) {
            for (Map.Entry<PeerId, Peer> e : new ArrayList<>(peers.entrySet())) {
                boolean changed = false;
                for (Iterator<Addr> it = e.getValue().addrs.values().iterator(); it.hasNext(); ) {
                    Addr a = it.next();
                    if (a.lastSeen < lastRound && ++a.misses >= missLimit) {
                        it.remove();
                        changed = true;
                    }
                }
                if (changed) report(e.getKey(), e.getValue(), out);
            }
        }
        lastRound = now;
        return out;
    }

    private void report(PeerId id, Peer p, List<DiscoveryEvent> out) {
        List<Multiaddr> now = List.copyOf(p.addrs.keySet());
        if (now.isEmpty()) {
            peers.remove(id);
            if (p.introducedBy != null) perSender.computeIfPresent(p.introducedBy, (k, n) -> n == 1 ? null : n - 1);
            if (!p.reported.isEmpty()) out.add(new PeerLost(id));
            return;
        }
        if (!new HashSet<>(now).equals(new HashSet<>(p.reported)) || !p.transportPorts.equals(p.reportedPorts)) {
            p.reported = now;
            p.reportedPorts = p.transportPorts;
            out.add(new PeerFound(id, now, TxtRecords.byTransport(id, now, p.transportPorts)));
        }
    }

    int size() {
        return peers.size();
    }

    long ignoredPeers() {
        return ignoredPeers;
    }

    /** The IPs of every known address: a query from one of them is from a known member. */
    boolean knowsIp(byte[] ip) {
        for (Peer p : peers.values()) {
            for (Multiaddr m : p.addrs.keySet()) {
                if (java.util.Arrays.equals(m.components().get(0).value(), ip)) return true;
            }
        }
        return false;
    }

    List<Multiaddr> addresses(PeerId peer) {
        Peer p = peers.get(peer);
        return p == null ? List.of() : List.copyOf(p.addrs.keySet());
    }
}
