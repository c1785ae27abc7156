package lanchat.discovery.mdns;

import static lanchat.discovery.mdns.Fixtures.ip;
import static lanchat.discovery.mdns.Fixtures.nif;
import static lanchat.discovery.mdns.Fixtures.peer;
import static lanchat.discovery.mdns.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.api.spi.DiscoveryEvent.PeerFound;
import lanchat.api.spi.DiscoveryEvent.PeerLost;
import lanchat.discovery.mdns.MdnsMessages.Layout;

/** The protocol engine with a fake clock and a recording network: no sockets. */
class MdnsEngineTest {
    static final PeerId SELF = peer(1), A = peer(2), C = peer(4);
    static final String OUR_LABEL = "ourlabel0123456789012345678901234", A_LABEL = "peeralabel012345678901234567890123";
    final NetIf eth0 = nif("eth0", 2, "10.77.1.1/24"), eth1 = nif("eth1", 3, "10.9.0.1/16");

    long now = 1_000_000;
    final List<String> sent = new ArrayList<>(); // "iface layout-or-QUERY" (QUERY-QU: asking for unicast answers)
    final List<byte[]> sentBytes = new ArrayList<>();
    final List<DiscoveryEvent> events = new ArrayList<>();
    final PriorityQueue<long[]> timers = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
    final List<Runnable> tasks = new ArrayList<>();
    final MdnsCodec peerCodec = new MdnsCodec();
    MdnsEngine engine;

    final MdnsEngine.Io io = new MdnsEngine.Io() {
        @Override
        public void multicast(NetIf n, byte[] packet) {
            sent.add(n.name() + " " + kind(packet));
            sentBytes.add(packet);
        }

        @Override
        public void unicast(InetSocketAddress to, byte[] packet) {
            sent.add("unicast " + to + " " + kind(packet));
            sentBytes.add(packet);
        }

        @Override
        public void schedule(Runnable task, long delayMs) {
            tasks.add(task);
            timers.add(new long[] {now + delayMs, tasks.size() - 1});
        }
    };

    static String kind(byte[] b) {
        Dig.Parsed p = Dig.parse(b);
        if (!p.response()) return p.lines().stream().anyMatch(l -> (l.dnsClass() & 0x8000) != 0) ? "QUERY-QU" : "QUERY";
        List<String> types = p.lines().stream().map(Dig.Line::type).toList();
        if (p.lines().stream().allMatch(l -> l.ttl() == 0)) return "GOODBYE";
        if (p.section("ADDITIONAL").size() > 0) return "BROWSE";
        if (types.contains("SRV")) return "ANNOUNCE";
        return String.join(",", types);
    }

    MdnsEngine engine(Map<String, String> options, List<NetIf> ifs) {
        engine = new MdnsEngine(ServiceNames.withLabel("myroom", OUR_LABEL), SELF, MdnsOptions.parse(options), io, events::add, () -> now, new Random(7));
        engine.setListenAddresses(List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/4001")));
        engine.interfaces(ifs, Set.of(ip("10.77.1.1"), ip("10.9.0.1"), ip("127.0.0.1")));
        return engine;
    }

    void advance(long ms) {
        long end = now + ms;
        while (!timers.isEmpty() && timers.peek()[0] <= end) {
            long[] t = timers.poll();
            now = Math.max(now, t[0]);
            tasks.get((int) t[1]).run();
        }
        now = end;
    }

    @AfterEach
    void close() {
        peerCodec.close();
    }

    byte[] peerResponse(String room, String label, Layout layout, List<Multiaddr> addrs) {
        return new MdnsMessages(ServiceNames.withLabel(room, label), peerCodec).response(layout, addrs, 1452, null, 0).orElseThrow();
    }

    byte[] query(String room, int id) {
        return new MdnsMessages(ServiceNames.withLabel(room, "x"), peerCodec).query(id, false);
    }

    byte[] queryQu(String room, int id) {
        return new MdnsMessages(ServiceNames.withLabel(room, "x"), peerCodec).query(id, true);
    }

    void receive(byte[] b, String from, int port) {
        engine.onPacket(b, 0, b.length, new InetSocketAddress(ip(from), port));
    }

    @Test
    void joiningAnnouncesAndQueriesTwiceOneSecondApart() {
        engine(Map.of(), List.of(eth0));
        assertEquals(List.of("eth0 ANNOUNCE", "eth0 QUERY-QU"), sent);
        advance(1000);
        assertEquals(List.of("eth0 ANNOUNCE", "eth0 QUERY-QU", "eth0 ANNOUNCE", "eth0 QUERY"), sent);
        Dig.Parsed p = Dig.parse(sentBytes.get(0));
        assertTrue(p.render().contains("dnsaddr=/ip4/10.77.1.1/tcp/4001/p2p/" + SELF), p.render());
    }

    @Test
    void queriesAreAnsweredAtMostOncePerSecondPerInterfaceAndTwinsOnce() {
        engine(Map.of(), List.of(eth0));
        advance(5000);
        sent.clear();
        receive(query("myroom", 42), "10.77.1.2", 5353);
        receive(query("myroom", 42), "10.77.1.2", 5353); // the IPv6 copy of the same query
        assertEquals("eth0 BROWSE", sent.get(0));
        assertEquals(1, sent.stream().filter(s -> s.endsWith("BROWSE")).count());
        receive(query("myroom", 43), "10.77.1.3", 5353); // another querier within the second: answered later, once
        receive(query("myroom", 44), "10.77.1.4", 5353);
        assertEquals(1, sent.stream().filter(s -> s.endsWith("BROWSE")).count());
        advance(999);
        assertEquals(1, sent.stream().filter(s -> s.endsWith("BROWSE")).count());
        advance(1);
        assertEquals(2, sent.stream().filter(s -> s.endsWith("BROWSE")).count());
    }

    @Test
    void queriesForOtherRoomsAreNotAnswered() {
        engine(Map.of(), List.of(eth0));
        advance(5000);
        sent.clear();
        receive(query("otherroom", 1), "10.77.1.2", 5353);
        receive(query("MYROOM", 2), "10.77.1.2", 5353);
        receive(query("_p2p._udp", 3), "10.77.1.2", 5353);
        assertEquals(List.of(), sent);
    }

    @Test
    void namesInOtherHostsQueriesAndAnswersAreHeardForAMinute_notOurOwn() {
        engine(Map.of(), List.of(eth0));
        receive(query("otherroom", 1), "10.77.1.2", 5353);
        receive(peerResponse("answeredroom", A_LABEL, Layout.BROWSE, List.of(tcp("10.77.1.3", 5000, A))), "10.77.1.3", 5353);
        receive(query("ownhostroom", 2), "10.77.1.1", 5353); // from an address of this host: not the LAN's
        receive(new byte[] {1, 2, 3}, "10.77.1.2", 5353); // malformed: nothing
        assertEquals(List.of("otherroom", "answeredroom"), engine.recentlyHeard());
        advance(30_000);
        receive(query("otherroom", 3), "10.77.1.2", 5353);
        advance(30_001);
        assertEquals(List.of("otherroom"), engine.recentlyHeard(), "answeredroom was heard more than a minute ago");
    }

    @Test
    void knownAnswerSuppression() {
        engine(Map.of(), List.of(eth0));
        advance(5000);
        sent.clear();
        // Netty's query encoder writes no answer section, so build it as a response and clear QR
        MdnsCodec.Draft q = new MdnsCodec.Draft(true, 9, List.of(new MdnsCodec.Question("myroom.local.", MdnsCodec.PTR, false)),
                List.of(new MdnsCodec.Rr("myroom.local.", false, 3000, new MdnsCodec.Ptr(OUR_LABEL + ".myroom.local."))), List.of());
        byte[] b = peerCodec.encode(q);
        b[2] = 0;
        b[3] = 0;
        assertEquals("QUERY", kind(b));
        receive(b, "10.77.1.1", 5353); // from ourselves: no query back either
        assertEquals(List.of(), sent);
        q = new MdnsCodec.Draft(true, 10, q.questions(), List.of(new MdnsCodec.Rr("myroom.local.", false, 1000, new MdnsCodec.Ptr(OUR_LABEL + ".myroom.local."))), List.of());
        b = peerCodec.encode(q);
        b[2] = 0;
        receive(b, "10.77.1.1", 5353); // the known answer's TTL is under half of ours: answered
        assertEquals(List.of("eth0 BROWSE"), sent);
    }

    @Test
    void aQueryFromANewcomerIsAnsweredAndQueriedBack() {
        engine(Map.of(), List.of(eth0));
        advance(5000);
        sent.clear();
        receive(query("myroom", 77), "10.77.1.9", 5353);
        assertEquals(List.of("eth0 BROWSE", "eth0 QUERY-QU"), sent);
        sent.clear();
        advance(2000);
        receive(peerResponse("myroom", A_LABEL, Layout.ANNOUNCE, List.of(tcp("10.77.1.9", 5000, A))), "10.77.1.9", 5353);
        receive(query("myroom", 78), "10.77.1.9", 5353); // now a known member: answered, not queried back
        assertEquals(List.of("eth0 BROWSE"), sent);
    }

    @Test
    void peersOfTheRoomAreReportedOthersAndOursAreNot() {
        engine(Map.of(), List.of(eth0));
        List<Multiaddr> aAddrs = List.of(tcp("10.77.1.2", 5000, A));
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, aAddrs), "10.77.1.2", 5353);
        assertEquals(List.of(new PeerFound(A, aAddrs)), events);
        receive(peerResponse("myroom", A_LABEL, Layout.ANNOUNCE, aAddrs), "10.77.1.2", 5353);
        assertEquals(1, events.size());
        receive(peerResponse("otherroom", "otherlabel0123456789012345678901", Layout.BROWSE, List.of(tcp("10.77.1.5", 5000, C))), "10.77.1.5", 5353);
        receive(peerResponse("myroom2", "otherlabel0123456789012345678901", Layout.BROWSE, List.of(tcp("10.77.1.5", 5000, C))), "10.77.1.5", 5353);
        receive(peerResponse("room", "otherlabel0123456789012345678901", Layout.BROWSE, List.of(tcp("10.77.1.5", 5000, C))), "10.77.1.5", 5353);
        receive(peerResponse("myroom", "xx" + A_LABEL, Layout.BROWSE, List.of(tcp("10.77.1.1", 4001, SELF))), "10.77.1.1", 5353);
        receive(sentBytes.get(0), "10.77.1.1", 5353); // our own announcement, looped back
        assertEquals(1, events.size());
        List<Multiaddr> moved = List.of(tcp("10.77.1.2", 5000, A), tcp("10.77.1.2", 5001, A));
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, moved), "10.77.1.2", 5353);
        assertEquals(new PeerFound(A, moved), events.get(1));
        receive(peerResponse("myroom", A_LABEL, Layout.GOODBYE, moved), "10.77.1.2", 5353);
        assertEquals(new PeerLost(A), events.get(2));
        assertEquals(3, events.size());
    }

    @Test
    void aPtrGoodbyeAloneAlsoRemovesThePeer() {
        engine(Map.of(), List.of(eth0));
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, List.of(tcp("10.77.1.2", 5000, A))), "10.77.1.2", 5353);
        MdnsCodec.Draft bye = new MdnsCodec.Draft(true, 0, List.of(), List.of(new MdnsCodec.Rr("myroom.local.", false, 0, new MdnsCodec.Ptr(A_LABEL + ".myroom.local."))), List.of());
        receive(peerCodec.encode(bye), "10.77.1.2", 5353);
        assertEquals(new PeerLost(A), events.get(events.size() - 1));
    }

    @Test
    void peersThatStopAnsweringAreLostAfterTwoQueries() {
        engine(Map.of("mdnsQueryIntervalMs", "10000"), List.of(eth0));
        engine.periodicQuery();
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, List.of(tcp("10.77.1.2", 5000, A))), "10.77.1.2", 5353);
        advance(10_000);
        engine.periodicQuery();
        advance(10_000);
        engine.periodicQuery();
        assertEquals(1, events.size());
        advance(10_000);
        engine.periodicQuery();
        assertEquals(new PeerLost(A), events.get(1));
    }

    @Test
    void answersCarryOnlyTheAddressesOfTheInterfaceTheQueryCameIn() {
        engine(Map.of(), List.of(eth0, eth1));
        advance(5000);
        sent.clear();
        sentBytes.clear();
        receive(query("myroom", 5), "10.9.3.3", 5353);
        assertEquals("eth1 BROWSE", sent.get(0));
        String r = Dig.parse(sentBytes.get(0)).render();
        assertTrue(r.contains("/ip4/10.9.0.1/tcp/4001") && !r.contains("10.77.1.1"), r);
        sent.clear();
        advance(1000);
        receive(query("myroom", 6), "192.0.2.1", 5353); // from no known subnet: every interface answers
        assertEquals(2, sent.stream().filter(s -> s.endsWith("BROWSE")).count());
    }

    @Test
    void aQuQueryIsAnsweredByUnicastAtOnceThenByMulticastInItsTurn() {
        engine(Map.of(), List.of(eth0)); // just announced: the next multicast must wait a second
        sent.clear();
        sentBytes.clear();
        receive(queryQu("myroom", 50), "10.77.1.2", 5353);
        assertEquals(List.of("unicast /10.77.1.2:5353 BROWSE"), sent);
        Dig.Parsed p = Dig.parse(sentBytes.get(0));
        assertEquals(0, p.id());
        assertTrue(p.render().contains("dnsaddr=/ip4/10.77.1.1/tcp/4001/p2p/" + SELF), p.render());
        advance(1000);
        assertTrue(sent.contains("eth0 BROWSE") || sent.contains("eth0 ANNOUNCE"), "the multicast answer follows: " + sent);
        // a QU question for another room gets nothing; many QU queries get at most the unicast budget
        sent.clear();
        receive(queryQu("otherroom", 51), "10.77.1.2", 5353);
        assertEquals(List.of(), sent);
        for (int i = 0; i < 100; i++) receive(queryQu("myroom", 100 + i), "10.77.1." + (2 + i % 200), 5353);
        assertTrue(sent.stream().filter(s -> s.startsWith("unicast")).count() <= MdnsEngine.UNICAST_PER_SECOND, "rate-limited: " + sent);
    }

    @Test
    void legacyUnicastQueriesGetAUnicastReply() {
        engine(Map.of(), List.of(eth0));
        sent.clear();
        sentBytes.clear();
        receive(query("myroom", 4242), "10.77.1.2", 40000);
        assertEquals(1, sent.size());
        assertTrue(sent.get(0).startsWith("unicast /10.77.1.2:40000"), sent.get(0));
        Dig.Parsed p = Dig.parse(sentBytes.get(0));
        assertEquals(4242, p.id());
        for (int i = 0; i < 100; i++) receive(query("myroom", 5000 + i), "10.77.1.2", 40000);
        assertTrue(sent.size() <= MdnsEngine.UNICAST_PER_SECOND, "legacy replies are rate-limited: " + sent.size());
    }

    @Test
    void metaAndHostAndInstanceQueries() {
        engine(Map.of(), List.of(eth0));
        advance(5000);
        sent.clear();
        sentBytes.clear();
        MdnsCodec.Draft meta = new MdnsCodec.Draft(false, 11, List.of(new MdnsCodec.Question(ServiceNames.META, MdnsCodec.PTR, false)), List.of(), List.of());
        receive(peerCodec.encode(meta), "10.77.1.2", 5353);
        assertEquals(List.of("eth0 PTR"), sent);
        advance(1000);
        MdnsCodec.Draft inst = new MdnsCodec.Draft(false, 12, List.of(new MdnsCodec.Question(OUR_LABEL + ".myroom.local.", MdnsCodec.TXT, false)), List.of(), List.of());
        receive(peerCodec.encode(inst), "10.77.1.2", 5353);
        assertEquals("eth0 ANNOUNCE", sent.get(1));
        advance(1000);
        MdnsCodec.Draft host = new MdnsCodec.Draft(false, 13, List.of(new MdnsCodec.Question(OUR_LABEL + ".local.", MdnsCodec.A, false)), List.of(), List.of());
        receive(peerCodec.encode(host), "10.77.1.2", 5353);
        assertEquals("eth0 A", sent.get(2));
    }

    @Test
    void goodbyeOnEveryInterfaceThenSilence() {
        engine(Map.of(), List.of(eth0, eth1));
        sent.clear();
        engine.goodbye();
        assertEquals(List.of("eth0 GOODBYE", "eth1 GOODBYE"), sent);
        receive(query("myroom", 1), "10.77.1.2", 5353);
        engine.periodicQuery();
        advance(5000);
        assertEquals(2, sent.size());
    }

    @Test
    void interfacesThatAppearAreJoinedAndAddressChangesReannounced() {
        engine(Map.of(), List.of(eth0));
        advance(5000);
        sent.clear();
        NetIf eth1New = nif("eth1", 9, "10.78.0.5/24"); // Docker reconnect: a new name and index
        engine.interfaces(List.of(eth1New), Set.of(ip("10.78.0.5")));
        assertEquals(List.of("eth1 ANNOUNCE", "eth1 QUERY-QU"), sent);
        assertEquals(List.of(tcp("10.78.0.5", 4001, SELF)), engine.advertised(eth1New.key()));
        advance(5000);
        sent.clear();
        engine.interfaces(List.of(nif("eth1", 9, "10.78.0.6/24")), Set.of(ip("10.78.0.6")));
        assertEquals(List.of("eth1 ANNOUNCE"), sent);
    }

    @Test
    void garbageNeverThrowsNorReports() {
        engine(Map.of(), List.of(eth0));
        advance(5000);
        sent.clear();
        Random r = new Random(3);
        for (int i = 0; i < 3000; i++) {
            byte[] b = new byte[r.nextInt(600)];
            r.nextBytes(b);
            receive(b, "10.77.1.2", 5353);
        }
        // valid messages with bytes flipped: truncations, bad pointers, bad counts, bad lengths
        byte[] good = peerResponse("myroom", A_LABEL, Layout.BROWSE, List.of(tcp("10.77.1.2", 5000, A)));
        byte[] q = query("myroom", 3);
        for (int i = 0; i < 5000; i++) {
            byte[] b = (i % 2 == 0 ? good : q).clone();
            for (int k = 0; k < 1 + r.nextInt(4); k++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            byte[] cut = java.util.Arrays.copyOf(b, i % 7 == 0 ? r.nextInt(b.length) : b.length);
            receive(cut, "10.77.1.2", 5353);
        }
        // a compression pointer loop and an oversized packet
        byte[] loop = {0, 0, (byte) 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, (byte) 0xC0, 12, 0, 12, 0, 1, 0, 0, 0, 1, 0, 2, (byte) 0xC0, 12};
        receive(loop, "10.77.1.2", 5353);
        receive(new byte[MdnsCodec.MAX_PACKET + 1], "10.77.1.2", 5353);
        assertTrue(engine.malformed() > 3000);
        // a flipped byte inside a peer id is often just another well-formed peer: records are hints, the handshake
        // checks them; what matters is that nothing threw and the table stayed bounded
        assertTrue(events.stream().allMatch(e -> e instanceof PeerFound || e instanceof PeerLost));
        assertTrue(engine.table().size() <= 256);
    }

    @Test
    void aFloodOfPeersIsCapped() {
        engine(Map.of("mdnsMaxPeers", "50"), List.of(eth0));
        for (int i = 0; i < 120; i++) {
            PeerId p = peer(20 + i);
            receive(peerResponse("myroom", "flood" + i + "x".repeat(30), Layout.BROWSE, List.of(tcp("10.77.1." + (i + 2), 5000, p))), "10.77.1." + (i + 2), 5353);
        }
        assertEquals(50, engine.table().size());
        assertEquals(50, events.size());
    }
    // ---- hostile records (issue 13) ----

    @Test
    void onlyAddressesOnTheLinkTheRecordCameInOnAreReported() {
        engine(Map.of(), List.of(eth0, eth1));
        List<Multiaddr> claimed = List.of(
                tcp("192.0.2.1", 5000, A),    // behind a router: never ours to dial
                tcp("10.9.0.5", 5000, A),     // eth1's subnet, but the record came in on eth0
                tcp("127.0.0.1", 5000, A),    // loopback in a record from another host
                tcp("10.77.1.66", 5000, A),   // on eth0's link
                tcp("169.254.3.4", 5000, A),  // IPv4 link-local: on whatever link it came in on
                tcp("fd77::9", 5000, A));     // an IPv6 subnet eth0 does not have
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, claimed), "10.77.1.66", 5353);
        assertEquals(List.of(new PeerFound(A, List.of(tcp("10.77.1.66", 5000, A), tcp("169.254.3.4", 5000, A)))), events);
    }

    @Test
    void aRecordNamingOnlyAddressesOffTheLinkIsNoPeerAtAll() {
        engine(Map.of(), List.of(eth0));
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, List.of(tcp("192.0.2.1", 5000, A), tcp("8.8.8.8", 443, A))), "10.77.1.66", 5353);
        assertEquals(List.of(), events);
        assertEquals(0, engine.table().size());
    }

    @Test
    void aResponseFromOutsideEverySubnetOfOursIsNotRead() {
        engine(Map.of(), List.of(eth0));
        // even naming addresses on our link: no member of our links sends from 172.16.0.9
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, List.of(tcp("10.77.1.66", 5000, A))), "172.16.0.9", 5353);
        assertEquals(List.of(), events);
    }

    @Test
    void loopbackAddressesAreTakenOnlyFromRecordsOfThisHost() {
        engine(Map.of(), List.of(eth0));
        List<Multiaddr> addrs = List.of(tcp("127.0.0.1", 5000, A), tcp("10.77.1.1", 5000, A));
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, addrs), "10.77.1.1", 5353); // another node on this host
        assertEquals(List.of(new PeerFound(A, addrs)), events);
    }

    @Test
    void oneHostIntroducesAtMostEightPeersAndCannotLockOthersOut() {
        engine(Map.of(), List.of(eth0));
        for (int i = 0; i < 258; i++) {
            PeerId p = Fixtures.manyPeer(i);
            List<Multiaddr> addrs = new ArrayList<>();
            for (int k = 0; k < 16; k++) addrs.add(tcp("10.77.1.200", 40000 + k, p));
            receive(peerResponse("myroom", "spoof" + i + "x".repeat(30), Layout.BROWSE, addrs), "10.77.1.66", 5353);
        }
        assertEquals(PeerTable.MAX_PEERS_PER_SENDER, engine.table().size());
        assertEquals(PeerTable.MAX_PEERS_PER_SENDER, events.size());
        assertEquals(258 - PeerTable.MAX_PEERS_PER_SENDER, engine.table().ignoredPeers());
        // a real member on another host is still found
        receive(peerResponse("myroom", A_LABEL, Layout.BROWSE, List.of(tcp("10.77.1.2", 5000, A))), "10.77.1.2", 5353);
        assertEquals(new PeerFound(A, List.of(tcp("10.77.1.2", 5000, A))), events.get(events.size() - 1));
    }
}
