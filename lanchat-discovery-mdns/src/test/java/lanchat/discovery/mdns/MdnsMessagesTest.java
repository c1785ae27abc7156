package lanchat.discovery.mdns;

import static lanchat.discovery.mdns.Fixtures.peer;
import static lanchat.discovery.mdns.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.discovery.mdns.Dig.Line;
import lanchat.discovery.mdns.MdnsMessages.Layout;

/** The records we send, checked field by field against zeroconf's layouts (decoded with Netty, independently). */
class MdnsMessagesTest {
    static final PeerId SELF = peer(1);
    static final String LABEL = "k3v9q0x7m2c8w1z5r4t6y0u9i8o7p6a5s4d3f2g1h0j";
    final MdnsCodec codec = new MdnsCodec();
    final MdnsMessages msgs = new MdnsMessages(ServiceNames.withLabel("myroom", LABEL), codec);
    final List<Multiaddr> addrs = List.of(tcp("10.77.1.1", 40123, SELF), tcp("fd00:77::1", 40123, SELF));

    @AfterEach
    void close() {
        codec.close();
    }

    static String inst() {
        return LABEL + ".myroom.local.";
    }

    static String host() {
        return LABEL + ".local.";
    }

    @Test
    void query() {
        assertEquals(0x8001, Dig.parse(msgs.query(1, true)).lines().get(0).dnsClass(), "QU: the top bit of the class");
        byte[] b = msgs.query(0x1234, false);
        Dig.Parsed p = Dig.parse(b);
        System.out.println("QUERY (" + b.length + " bytes)\n" + Dig.hex(b) + p.render());
        assertFalse(p.response());
        assertEquals(0x1234, p.id());
        assertEquals(0, p.flags()); // opcode 0, RD clear
        assertEquals(List.of(new Line("QUESTION", "myroom.local.", 0, 1, "PTR", "")), p.lines());
    }

    @Test
    void ourTxtRecordSaysWhichTransportListensWhereAfterTheDnsaddrs() {
        java.util.Map<String, Integer> ports = new java.util.LinkedHashMap<>();
        ports.put("libp2p", 40123);
        ports.put("netty", 40124);
        msgs.setTransportPorts(ports);
        for (Layout layout : List.of(Layout.BROWSE, Layout.ANNOUNCE)) {
            Dig.Parsed p = Dig.parse(msgs.response(layout, addrs, 1452, null, 0).orElseThrow());
            Line txt = p.lines().stream().filter(x -> x.type().equals("TXT")).findFirst().orElseThrow();
            assertEquals("\"dnsaddr=/ip4/10.77.1.1/tcp/40123/p2p/" + SELF + "\" \"dnsaddr=/ip6/fd00:77::1/tcp/40123/p2p/" + SELF
                    + "\" \"lanchat-transports=libp2p:40123,netty:40124\"", txt.data(), layout.name());
        }
    }

    @Test
    void browseAnswerIsGoComposeBrowsingAnswers() {
        byte[] b = msgs.response(Layout.BROWSE, addrs, 1452, null, 0).orElseThrow();
        Dig.Parsed p = Dig.parse(b);
        System.out.println("BROWSE answer (" + b.length + " bytes)\n" + Dig.hex(b) + p.render());
        assertTrue(p.response());
        assertEquals(0, p.id());
        assertEquals(0x8400, p.flags()); // QR + AA
        assertEquals(List.of(new Line("ANSWER", "myroom.local.", 3200, 1, "PTR", inst())), p.section("ANSWER"));
        assertEquals(List.of(
                new Line("ADDITIONAL", inst(), 3200, 1, "SRV", "0 0 4001 " + host()),
                new Line("ADDITIONAL", inst(), 3200, 1, "TXT", "\"dnsaddr=/ip4/10.77.1.1/tcp/40123/p2p/" + SELF + "\" \"dnsaddr=/ip6/fd00:77::1/tcp/40123/p2p/" + SELF + "\""),
                new Line("ADDITIONAL", host(), 120, 1, "A", "10.77.1.1"),
                new Line("ADDITIONAL", host(), 120, 1, "AAAA", "fd00:77:0:0:0:0:0:1")), p.section("ADDITIONAL"));
    }

    @Test
    void announcementIsGoComposeLookupAnswersWithCacheFlush() {
        byte[] b = msgs.response(Layout.ANNOUNCE, addrs, 1452, null, 0).orElseThrow();
        Dig.Parsed p = Dig.parse(b);
        System.out.println("ANNOUNCE (" + b.length + " bytes)\n" + p.render());
        int flush = 0x8001;
        assertEquals(List.of(
                new Line("ANSWER", inst(), 3200, flush, "SRV", "0 0 4001 " + host()),
                new Line("ANSWER", inst(), 3200, flush, "TXT", "\"dnsaddr=/ip4/10.77.1.1/tcp/40123/p2p/" + SELF + "\" \"dnsaddr=/ip6/fd00:77::1/tcp/40123/p2p/" + SELF + "\""),
                new Line("ANSWER", "_services._dns-sd._udp.local.", 3200, 1, "PTR", "myroom.local."),
                new Line("ANSWER", "myroom.local.", 3200, 1, "PTR", inst()),
                new Line("ANSWER", host(), 120, flush, "A", "10.77.1.1"),
                new Line("ANSWER", host(), 120, flush, "AAAA", "fd00:77:0:0:0:0:0:1")), p.lines());
    }

    @Test
    void goodbyeHasTtlZeroForPtrSrvTxtAndAddresses() {
        byte[] b = msgs.response(Layout.GOODBYE, addrs, 1452, null, 0).orElseThrow();
        Dig.Parsed p = Dig.parse(b);
        System.out.println("GOODBYE (" + b.length + " bytes)\n" + p.render());
        assertEquals(List.of("SRV", "TXT", "PTR", "A", "AAAA"), p.lines().stream().map(Line::type).toList());
        assertTrue(p.lines().stream().allMatch(l -> l.ttl() == 0));
    }

    @Test
    void legacyUnicastReplyEchoesIdAndQuestionCapsTtlAndHasNoFlush() {
        MdnsCodec.Question q = new MdnsCodec.Question("myroom.local.", MdnsCodec.PTR, false);
        Dig.Parsed p = Dig.parse(msgs.response(Layout.ANNOUNCE, addrs, 1452, q, 777).orElseThrow());
        assertEquals(777, p.id());
        assertEquals("myroom.local.", p.section("QUESTION").get(0).name());
        assertTrue(p.section("ANSWER").stream().allMatch(l -> l.ttl() <= 10 && !l.flush()));
    }

    @Test
    void manyAddressesAreCutToFitTheMtu() {
        List<Multiaddr> many = new ArrayList<>();
        for (int i = 0; i < 16; i++) many.add(tcp("2001:db8:aaaa:bbbb:cccc:dddd:eeee:" + Integer.toHexString(0x1000 + i), 40000 + i, SELF));
        for (Layout l : new Layout[] {Layout.BROWSE, Layout.ANNOUNCE, Layout.GOODBYE}) {
            byte[] b = msgs.response(l, many, MdnsMessages.budget(1500), null, 0).orElseThrow();
            assertTrue(b.length <= 1452, l + ": " + b.length);
            Dig.Parsed p = Dig.parse(b);
            int kept = msgs.fitting(l, many, MdnsMessages.budget(1500));
            assertTrue(kept >= 4 && kept < 16, "kept " + kept);
            Line txt = p.lines().stream().filter(x -> x.type().equals("TXT")).findFirst().orElseThrow();
            assertEquals(kept, txt.data().split("\" \"").length);
            // SRV, TXT and an A/AAAA for each kept address always travel together (go's browser needs all three)
            assertEquals(kept, p.lines().stream().filter(x -> x.type().equals("AAAA")).count());
            assertEquals(1, p.lines().stream().filter(x -> x.type().equals("SRV")).count());
        }
        assertTrue(MdnsMessages.budget(9000) == 1452 && MdnsMessages.budget(1280) == 1232);
        // a small MTU keeps fewer
        assertTrue(msgs.fitting(Layout.BROWSE, many, MdnsMessages.budget(576)) < msgs.fitting(Layout.BROWSE, many, MdnsMessages.budget(1500)));
    }

    @Test
    void roundTripThroughOurDecoder() {
        byte[] b = msgs.response(Layout.BROWSE, addrs, 1452, null, 0).orElseThrow();
        MdnsCodec.Message m = codec.decode(b, 0, b.length).orElseThrow();
        assertTrue(m.response());
        assertEquals(2, m.records().size()); // PTR and TXT; SRV/A/AAAA are skipped
        assertEquals(inst(), m.records().get(0).target());
        assertEquals(TxtRecords.dnsaddrs(addrs), m.records().get(1).txt());
    }
}
