package lanchat.discovery.mdns;

import static lanchat.discovery.mdns.Fixtures.peer;
import static lanchat.discovery.mdns.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.DiscoveryEvent.PeerFound;
import lanchat.api.spi.DiscoveryEvent.PeerLost;

class PeerTableTest {
    static final PeerId A = peer(2), B = peer(3);
    final Multiaddr a1 = tcp("10.0.0.2", 1, A), a2 = tcp("10.0.0.3", 1, A);

    @Test
    void foundOnceThenOnlyOnChange() {
        PeerTable t = new PeerTable(256, 16, 2);
        assertEquals(List.of(new PeerFound(A, List.of(a1))), t.seen(null, "i.r.local.", A, List.of(a1), 3200, 0));
        assertEquals(List.of(), t.seen(null, "i.r.local.", A, List.of(a1), 3200, 10));
        assertEquals(List.of(new PeerFound(A, List.of(a1, a2))), t.seen(null, "i.r.local.", A, List.of(a2), 3200, 20));
        assertEquals(List.of(), t.seen(null, "i.r.local.", A, List.of(a2, a1), 3200, 30)); // same set, other order
    }

    @Test
    void whichTransportListensWhereIsReportedAndItsChangesToo() {
        PeerTable t = new PeerTable(256, 16, 2);
        Map<String, Integer> both = new java.util.LinkedHashMap<>();
        both.put("libp2p", 1);
        both.put("netty", 2);
        PeerFound found = (PeerFound) t.seen(null, "i.r.local.", A, List.of(a1), both, 3200, 0).get(0);
        assertEquals(List.of(a1), found.addresses());
        assertEquals(List.of("libp2p", "netty"), List.copyOf(found.byTransport().keySet()));
        assertEquals(List.of(tcp("10.0.0.2", 2, A)), found.byTransport().get("netty"));
        assertEquals(List.of(), t.seen(null, "i.r.local.", A, List.of(a1), both, 3200, 10));
        // restarted with one transport only: same addresses, another story
        assertEquals(List.of(new PeerFound(A, List.of(a1), Map.of("libp2p", List.of(a1)))), t.seen(null, "i.r.local.", A, List.of(a1), Map.of("libp2p", 1), 3200, 20));
    }

    @Test
    void goodbyesRemoveAddressesThenThePeer() {
        PeerTable t = new PeerTable(256, 16, 2);
        t.seen(null, "i.r.local.", A, List.of(a1, a2), 3200, 0);
        assertEquals(List.of(new PeerFound(A, List.of(a2))), t.goodbye(A, List.of(a1)));
        assertEquals(List.of(new PeerLost(A)), t.goodbye(A, List.of(a2)));
        assertEquals(List.of(), t.goodbye(A, List.of(a2)));
        t.seen(null, "i.r.local.", A, List.of(a1), 3200, 0);
        t.seen(null, "j.r.local.", B, List.of(tcp("10.0.0.9", 1, B)), 3200, 0);
        assertEquals(List.of(new PeerLost(A)), t.goodbyeInstance("i.r.local."));
        assertEquals(1, t.size());
    }

    @Test
    void ttlExpiry() {
        PeerTable t = new PeerTable(256, 16, 2);
        t.seen(null, "i.r.local.", A, List.of(a1), 120, 0);
        assertEquals(List.of(), t.expire(119_999));
        assertEquals(List.of(new PeerLost(A)), t.expire(120_000));
        t.seen(null, "i.r.local.", A, List.of(a1), Long.MAX_VALUE / 2, 0); // clamped to 75 min
        assertEquals(List.of(new PeerLost(A)), t.expire(PeerTable.MAX_TTL_SECONDS * 1000));
    }

    @Test
    void peersThatStopAnsweringQueriesAreDropped() {
        PeerTable t = new PeerTable(256, 16, 2);
        t.queryRound(0);
        t.seen(null, "i.r.local.", A, List.of(a1), 3200, 5);
        t.seen(null, "j.r.local.", B, List.of(tcp("10.0.0.9", 1, B)), 3200, 5);
        assertEquals(List.of(), t.queryRound(10_000));      // both answered query 1
        t.seen(null, "j.r.local.", B, List.of(tcp("10.0.0.9", 1, B)), 3200, 10_010);
        assertEquals(List.of(), t.queryRound(20_000));      // A missed one
        t.seen(null, "j.r.local.", B, List.of(tcp("10.0.0.9", 1, B)), 3200, 20_010);
        assertEquals(List.of(new PeerLost(A)), t.queryRound(30_000)); // A missed two in a row
        assertEquals(1, t.size());
    }

    @Test
    void capsBoundTheTable() {
        PeerTable t = new PeerTable(100, 16, 2);
        for (int i = 0; i < 240; i++) t.seen(null, "x" + i + ".r.local.", peer(10 + i), List.of(tcp("10.1.0." + i, 1, peer(10 + i))), 3200, i);
        assertEquals(100, t.size());
        assertEquals(140, t.ignoredPeers());
        PeerTable small = new PeerTable(2, 16, 2);
        small.seen(null, "a.r.local.", A, List.of(a1), 3200, 0);
        small.seen(null, "b.r.local.", B, List.of(tcp("10.0.0.9", 1, B)), 3200, 0);
        assertEquals(List.of(), small.seen(null, "c.r.local.", peer(4), List.of(tcp("10.0.0.10", 1, peer(4))), 3200, 0));
        assertEquals(2, small.size());
        assertEquals(1, small.ignoredPeers());
        // 16 addresses per peer; a new one evicts the one heard of least recently
        PeerTable p = new PeerTable(256, 16, 2);
        List<Multiaddr> many = new ArrayList<>();
        for (int i = 0; i < 16; i++) many.add(tcp("10.2.0." + i, 1, A));
        p.seen(null, "a.r.local.", A, many, 3200, 0);
        p.seen(null, "a.r.local.", A, many.subList(1, 16), 3200, 5);
        p.seen(null, "a.r.local.", A, List.of(tcp("10.2.1.1", 1, A)), 3200, 10);
        List<Multiaddr> now = p.addresses(A);
        assertEquals(16, now.size());
        assertTrue(!now.contains(many.get(0)) && now.contains(tcp("10.2.1.1", 1, A)));
    }
    @Test
    void aHostIntroducesAtMostEightPeersAndItsSlotsFreeUpWhenTheyGo() {
        PeerTable t = new PeerTable(256, 16, 2);
        java.net.InetAddress spoofer = Fixtures.ip("10.0.0.66"), other = Fixtures.ip("10.0.0.2");
        for (int i = 0; i < 20; i++) t.seen(spoofer, "s" + i + ".r.local.", peer(10 + i), List.of(tcp("10.0.0.200", 1, peer(10 + i))), 3200, 0);
        assertEquals(PeerTable.MAX_PEERS_PER_SENDER, t.size());
        assertEquals(20 - PeerTable.MAX_PEERS_PER_SENDER, t.ignoredPeers());
        // a known peer heard again from the same host is no newcomer: kept and refreshed
        assertEquals(List.of(), t.seen(spoofer, "s0.r.local.", peer(10), List.of(tcp("10.0.0.200", 1, peer(10))), 3200, 5));
        assertEquals(List.of(new PeerFound(A, List.of(a1))), t.seen(other, "i.r.local.", A, List.of(a1), 3200, 5));
        assertEquals(List.of(new PeerFound(B, List.of(tcp("10.0.0.9", 1, B)))), t.seen(null, "l.r.local.", B, List.of(tcp("10.0.0.9", 1, B)), 3200, 5)); // this host
        // pruned peers give their host's slots back
        assertEquals(List.of(new PeerLost(peer(11))), t.goodbye(peer(11), List.of(tcp("10.0.0.200", 1, peer(11)))));
        assertEquals(1, t.seen(spoofer, "s99.r.local.", peer(99), List.of(tcp("10.0.0.200", 1, peer(99))), 3200, 6).size());
        assertEquals(List.of(), t.seen(spoofer, "s98.r.local.", peer(98), List.of(tcp("10.0.0.200", 1, peer(98))), 3200, 6));
    }
}
