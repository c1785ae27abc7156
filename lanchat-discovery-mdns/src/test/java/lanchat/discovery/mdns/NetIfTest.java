package lanchat.discovery.mdns;

import static lanchat.discovery.mdns.Fixtures.ip;
import static lanchat.discovery.mdns.Fixtures.nif;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

class NetIfTest {
    final NetIf lo = nif("lo", 1, "127.0.0.1/8", "::1/128");
    final NetIf eth0 = nif("eth0", 2, "192.168.1.5/24", "fe80::5/64");
    final NetIf down = new NetIf("eth2", 4, false, false, true, 1500, eth0.addresses());
    final NetIf noMulticast = new NetIf("tun0", 5, true, false, false, 1500, List.of(new NetIf.IfAddr(ip("10.8.0.1"), 24)));
    final NetIf bare = nif("eth3", 6);

    @Test
    void upMulticastNonLoopbackWithAddresses() {
        assertEquals(List.of(eth0), NetIf.usable(List.of(lo, eth0, down, noMulticast, bare), Optional.empty()));
    }

    @Test
    void loopbackOnlyWhenNothingElse() {
        assertEquals(List.of(lo), NetIf.usable(List.of(lo, down, noMulticast), Optional.empty()));
    }

    @Test
    void mdnsInterfacesRestricts() {
        assertEquals(List.of(lo), NetIf.usable(List.of(lo, eth0), Optional.of(Set.of("lo"))));
        assertEquals(List.of(), NetIf.usable(List.of(lo, eth0, down), Optional.of(Set.of("eth2", "nope"))));
    }

    @Test
    void aReconnectedInterfaceIsANewOne() {
        assertNotEquals(nif("eth1", 7, "10.0.0.1/24").key(), nif("eth1", 9, "10.0.0.1/24").key());
    }

    @Test
    void attributionBySubnetOrScope() throws Exception {
        NetIf eth1 = nif("eth1", 3, "10.9.0.1/16");
        assertEquals(Optional.of(eth1), NetIf.attribute(List.of(eth0, eth1), ip("10.9.200.7")));
        assertEquals(Optional.of(eth0), NetIf.attribute(List.of(eth0, eth1), ip("192.168.1.77")));
        assertEquals(Optional.empty(), NetIf.attribute(List.of(eth0, eth1), ip("172.16.0.1")));
        assertEquals(Optional.of(eth1), NetIf.attribute(List.of(eth0, eth1), Inet6Address.getByAddress(null, ip("fe80::99").getAddress(), 3)));
        assertTrue(new NetIf.IfAddr(ip("10.0.0.0"), 0).contains(ip("1.2.3.4")));
        assertFalse(new NetIf.IfAddr(ip("10.0.0.1"), 32).contains(ip("10.0.0.2")));
        assertFalse(new NetIf.IfAddr(ip("10.0.0.1"), 8).contains(ip("::1")));
    }
}
