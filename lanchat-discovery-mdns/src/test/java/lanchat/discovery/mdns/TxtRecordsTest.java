package lanchat.discovery.mdns;

import static lanchat.discovery.mdns.Fixtures.nif;
import static lanchat.discovery.mdns.Fixtures.peer;
import static lanchat.discovery.mdns.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;

class TxtRecordsTest {
    static final PeerId SELF = peer(1), A = peer(2), B = peer(3);

    @Test
    void dnsaddrStringsAndRdata() {
        List<String> s = TxtRecords.dnsaddrs(List.of(tcp("10.0.0.1", 4001, SELF)));
        assertEquals(List.of("dnsaddr=/ip4/10.0.0.1/tcp/4001/p2p/" + SELF), s);
        byte[] rd = TxtRecords.rdata(s);
        assertEquals(s.get(0).length(), rd[0] & 0xFF);
        assertEquals(s, TxtRecords.strings(rd, 0, rd.length));
        assertArrayEquals(new byte[] {0}, TxtRecords.rdata(List.of()));
    }

    @Test
    void stringsStopAtATruncatedStringAndAreCapped() {
        byte[] rd = {3, 'a', 'b', 'c', 9, 'x'};
        assertEquals(List.of("abc"), TxtRecords.strings(rd, 0, rd.length));
        byte[] many = new byte[200];
        for (int i = 0; i < many.length; i += 2) {
            many[i] = 1;
            many[i + 1] = 'z';
        }
        assertEquals(TxtRecords.MAX_STRINGS, TxtRecords.strings(many, 0, many.length).size());
    }

    @Test
    void perInterfaceAddressesOnlyThoseOfTheInterface() {
        NetIf eth0 = nif("eth0", 2, "192.168.1.5/24", "fd00::5/64", "fe80::1/64");
        NetIf eth1 = nif("eth1", 3, "10.9.0.7/16");
        List<Multiaddr> listen = List.of(
                Multiaddr.parse("/ip4/127.0.0.1/tcp/9000/p2p/" + SELF),
                Multiaddr.parse("/ip4/192.168.1.5/tcp/9000/p2p/" + SELF),
                Multiaddr.parse("/ip4/10.9.0.7/tcp/9000/p2p/" + SELF),
                Multiaddr.parse("/ip6/fd00::5/tcp/9000/p2p/" + SELF),
                Multiaddr.parse("/ip6/fe80::1/tcp/9000/p2p/" + SELF),
                Multiaddr.parse("/ip4/192.168.1.5/tcp/9000")); // no /p2p: gets ours; duplicate after that
        assertEquals(List.of(tcp("192.168.1.5", 9000, SELF), tcp("fd00::5", 9000, SELF)), TxtRecords.forInterface(listen, eth0, SELF, 16));
        assertEquals(List.of(tcp("10.9.0.7", 9000, SELF)), TxtRecords.forInterface(listen, eth1, SELF, 16));
        NetIf lo = nif("lo", 1, "127.0.0.1/8", "::1/128");
        assertEquals(List.of(tcp("127.0.0.1", 9000, SELF)), TxtRecords.forInterface(listen, lo, SELF, 16));
    }

    @Test
    void wildcardListenAddressesExpandPerInterface() {
        NetIf eth0 = nif("eth0", 2, "192.168.1.5/24", "192.168.2.5/24", "fd00::5/64", "fe80::1/64");
        assertEquals(List.of(tcp("192.168.1.5", 7, SELF), tcp("192.168.2.5", 7, SELF)),
                TxtRecords.forInterface(List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/7")), eth0, SELF, 16));
        assertEquals(List.of(tcp("192.168.1.5", 7, SELF), tcp("192.168.2.5", 7, SELF), tcp("fd00::5", 7, SELF)),
                TxtRecords.forInterface(List.of(Multiaddr.parse("/ip6/::/tcp/7")), eth0, SELF, 16));
        assertEquals(1, TxtRecords.forInterface(List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/7")), eth0, SELF, 1).size());
    }

    private static List<String> txt(String... s) {
        return List.of(s);
    }

    @Test
    void parseKeepsUsableAddressesOfOnePeer() {
        Optional<TxtRecords.Advert> ad = TxtRecords.parse(txt(
                "dnsaddr=/ip4/10.0.0.2/tcp/4001/p2p/" + A,
                "dnsaddr=/ip6/fd00::2/tcp/4001/p2p/" + A), SELF, ip -> true, 16);
        assertEquals(A, ad.get().peer());
        assertEquals(List.of(tcp("10.0.0.2", 4001, A), tcp("fd00::2", 4001, A)), ad.get().addresses());
    }

    @Test
    void parseSkipsGarbage() {
        Optional<TxtRecords.Advert> ad = TxtRecords.parse(txt(
                "",
                "foo=bar",
                "DNSADDR=/ip4/10.0.0.9/tcp/1/p2p/" + A,             // prefix is case-sensitive (go: HasPrefix)
                "dnsaddr=not a multiaddr",
                "dnsaddr=/ip4/10.0.0.3/tcp/4001",                  // missing /p2p
                "dnsaddr=/p2p/" + A,                              // nothing to dial
                "dnsaddr=/ip4/10.0.0.4/tcp/4001/p2p/Qmgarbage",   // bad peer id
                "dnsaddr=/dns4/evil.example/tcp/80/p2p/" + A,     // names are not resolved on the LAN
                "dnsaddr=/ip4/0.0.0.0/tcp/4001/p2p/" + A,
                "dnsaddr=/ip4/224.0.0.251/tcp/4001/p2p/" + A,
                "dnsaddr=/ip6/fe80::1/tcp/4001/p2p/" + A,         // link-local without zone
                "dnsaddr=/ip4/10.9.0.2/tcp/4001/p2p/" + A,        // refused by the caller's rule (off the link)
                "dnsaddr=/ip4/10.0.0.2/tcp/4001/p2p/" + A,
                "dnsaddr=/ip4/10.0.0.5/tcp/4001/p2p/" + B,        // another peer in the same record
                "dnsaddr=/ip4/10.0.0.2/tcp/4001/p2p/" + A), SELF, ip -> ip.getAddress()[1] == 0, 16);
        assertEquals(A, ad.get().peer());
        assertEquals(List.of(tcp("10.0.0.2", 4001, A)), ad.get().addresses());
    }

    @Test
    void theCallersRuleDecidesWhichAddressesAreDialableAndTheFirstDialableOneNamesThePeer() {
        List<String> s = txt("dnsaddr=/ip4/192.0.2.7/tcp/4001/p2p/" + B, "dnsaddr=/ip4/10.0.0.2/tcp/4001/p2p/" + A, "dnsaddr=/ip4/127.0.0.1/tcp/4001/p2p/" + A);
        assertEquals(new TxtRecords.Advert(A, List.of(tcp("10.0.0.2", 4001, A), tcp("127.0.0.1", 4001, A))),
                TxtRecords.parse(s, SELF, ip -> !ip.getHostAddress().startsWith("192."), 16).orElseThrow());
        assertTrue(TxtRecords.parse(s, SELF, ip -> false, 16).isEmpty());
    }

    @Test
    void ourOwnRecordAndEmptyRecordsAreIgnored() {
        assertTrue(TxtRecords.parse(txt("dnsaddr=/ip4/10.0.0.1/tcp/4001/p2p/" + SELF, "dnsaddr=/ip4/10.0.0.2/tcp/4001/p2p/" + A), SELF, ip -> true, 16).isEmpty());
        assertTrue(TxtRecords.parse(txt(), SELF, ip -> true, 16).isEmpty());
        assertTrue(TxtRecords.parse(txt("dnsaddr=/ip4/10.0.0.3/tcp/4001"), SELF, ip -> true, 16).isEmpty());
    }

    @Test
    void addressesPerPeerAreCapped() {
        List<String> s = new ArrayList<>();
        for (int i = 0; i < 40; i++) s.add("dnsaddr=/ip4/10.0.1." + i + "/tcp/4001/p2p/" + A);
        assertEquals(16, TxtRecords.parse(s, SELF, ip -> true, 16).get().addresses().size());
    }

    @Test
    void overlongDnsaddrsAreNotAdvertised() {
        String longDns = "/dns4/" + "a".repeat(240) + ".local/tcp/1/p2p/" + SELF;
        List<String> s = TxtRecords.dnsaddrs(List.of(Multiaddr.parse(longDns), tcp("10.0.0.1", 1, SELF)));
        assertEquals(1, s.size());
        assertTrue(s.get(0).getBytes(StandardCharsets.UTF_8).length <= 255);
    }

    @Test
    void transportsStringSaysWhichTransportListensOnWhichPortAndIsReadBack() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("libp2p", 9000);
        ports.put("netty", 41234);
        String s = TxtRecords.transports(ports).orElseThrow();
        assertEquals("lanchat-transports=libp2p:9000,netty:41234", s);
        List<String> record = List.of("dnsaddr=/ip4/10.0.0.2/tcp/9000/p2p/" + A, s);
        TxtRecords.Advert ad = TxtRecords.parse(record, SELF, ip -> true, 16).orElseThrow();
        assertEquals(List.of("libp2p", "netty"), List.copyOf(ad.transportPorts().keySet()), "in the peer's order");
        assertEquals(ports, ad.transportPorts());
        Map<String, List<Multiaddr>> by = TxtRecords.byTransport(A, ad.addresses(), ad.transportPorts());
        assertEquals(List.of(tcp("10.0.0.2", 9000, A)), by.get("libp2p"));
        assertEquals(List.of(tcp("10.0.0.2", 41234, A)), by.get("netty"), "the same IPs, the transport's port");
        assertEquals(Map.of(), TxtRecords.parse(List.of(record.get(0)), SELF, ip -> true, 16).orElseThrow().transportPorts(),
                "a peer that did not say (go, js, older nodes)");
        assertEquals(Optional.empty(), TxtRecords.transports(Map.of()));
        assertEquals(Optional.empty(), TxtRecords.transports(Map.of("Bad Name", 1)));
    }

    @Test
    void aMalformedTransportsStringSaysNothingAtAll() {
        for (String bad : List.of("lanchat-transports=", "lanchat-transports=libp2p", "lanchat-transports=libp2p:0",
                "lanchat-transports=libp2p:70000", "lanchat-transports=libp2p:1,libp2p:2", "lanchat-transports=a:1,b:1",
                "lanchat-transports=a:1,b:2,c:3,d:4,e:5", "lanchat-transports=A:1", "lanchat-transports=a:1,,b:2",
                "lanchat-transports=" + "x".repeat(300) + ":1")) {
            assertEquals(Map.of(), TxtRecords.transportPorts(List.of(bad)), bad);
        }
        assertEquals(Map.of("a", 1, "b", 2, "c", 3, "d", 4), TxtRecords.transportPorts(List.of("lanchat-transports=a:1,b:2,c:3,d:4")));
    }
}
