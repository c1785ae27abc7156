package lanchat.api.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.resource.ResourceManager.ConnectionScope;
import lanchat.api.resource.ResourceManager.StreamScope;
import lanchat.api.spi.Direction;
import org.junit.jupiter.api.Test;

class ResourceManagerTest {
    static final InetAddress A = addr("10.0.0.1"), B = addr("10.0.0.2");

    static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static ResourceLimits small() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        String[] kv = {"system.inboundConns", "6", "system.memory", "1MiB",
                "transient.inboundConns", "4", "transient.perIp", "2", "transient.memory", "64KiB",
                "peer.inboundConns", "2", "peer.inboundStreams", "3", "peer.memory", "512KiB",
                "connection.memory", "400KiB", "connection.unadmittedMemory", "100KiB", "stream.memory", "300KiB"};
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return ResourceLimits.DEFAULTS.with(m);
    }

    @Test
    void handshakingConnectionsAreCappedInTotalAndPerAddress() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        ConnectionScope a1 = rm.openConnection(Direction.INBOUND, A);
        rm.openConnection(Direction.INBOUND, A);
        ResourceLimitException perIp = assertThrows(ResourceLimitException.class, () -> rm.openConnection(Direction.INBOUND, A));
        assertTrue(perIp.getMessage().contains("10.0.0.1"), perIp.getMessage());
        rm.openConnection(Direction.INBOUND, B);
        rm.openConnection(Direction.INBOUND, B);
        assertThrows(ResourceLimitException.class, () -> rm.openConnection(Direction.INBOUND, addr("10.0.0.3")), "transient scope full");
        assertEquals(4, rm.handshaking().inboundConns());
        // a finished handshake frees its address's slot, and the transient one
        a1.setPeer(peer());
        assertEquals(3, rm.handshaking().inboundConns());
        rm.openConnection(Direction.INBOUND, A);
        assertEquals(5, rm.system().inboundConns());
    }

    /**
     * Issue 13 (b): one host with throw-away keys cannot take every inbound slot after the handshake either: its
     * authenticated connections are capped per source address; a closed one frees its slot, other hosts are not affected.
     */
    @Test
    void authenticatedInboundConnectionsAreCappedPerAddress() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.DEFAULTS.with("system.inboundPerIp", "3"));
        List<ConnectionScope> fromA = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ConnectionScope c = rm.openConnection(Direction.INBOUND, A);
            c.setPeer(peer());
            fromA.add(c);
        }
        ConnectionScope fourth = rm.openConnection(Direction.INBOUND, A);
        ResourceLimitException e = assertThrows(ResourceLimitException.class, () -> fourth.setPeer(peer()));
        assertTrue(e.getMessage().contains("10.0.0.1"), e.getMessage());
        fourth.close();
        assertEquals(3, rm.peers(), "the refused peer's scope is not kept");
        ConnectionScope fromB = rm.openConnection(Direction.INBOUND, B);
        fromB.setPeer(peer());
        rm.openConnection(Direction.OUTBOUND, A).setPeer(peer()); // outbound: our own choice, not counted
        fromA.get(0).close();
        ConnectionScope again = rm.openConnection(Direction.INBOUND, A);
        again.setPeer(peer());
        assertEquals(3 + 1, rm.system().inboundConns(), "three from A, one from B");
        assertEquals(16, ResourceLimits.DEFAULTS.authenticatedPerIp());
    }

    /**
     * Review of issue 13: an attacker on one IPv6 host has a whole /64 (any interface id it likes), so IPv6 addresses
     * count by their /64, with eight times the per-address limit (as go-libp2p's resource manager gives a prefix more
     * than an address); IPv4 and link-local addresses (every host of a link shares fe80::/64) count one by one.
     */
    @Test
    void ipv6AddressesCountByTheirSlash64() throws Exception {
        ResourceManager rm = new ResourceManager(ResourceLimits.DEFAULTS.with("system.inboundPerIp", "2").with("transient.perIp", "1"));
        for (int i = 1; i <= 16; i++) {
            ConnectionScope c = rm.openConnection(Direction.INBOUND, addr("2001:db8:1:2::" + Integer.toHexString(i)));
            c.setPeer(peer());
        }
        ConnectionScope seventeenth = rm.openConnection(Direction.INBOUND, addr("2001:db8:1:2:ffff::1"));
        ResourceLimitException e = assertThrows(ResourceLimitException.class, () -> seventeenth.setPeer(peer()));
        assertTrue(e.getMessage().contains("2001:db8:1:2:0:0:0:0/64"), e.getMessage());
        seventeenth.close();
        rm.openConnection(Direction.INBOUND, addr("2001:db8:1:3::1")).setPeer(peer()); // another /64
        for (int i = 1; i <= 8; i++) rm.openConnection(Direction.INBOUND, addr("2001:db8:5:5::" + i)); // handshakes, one /64
        ResourceLimitException h = assertThrows(ResourceLimitException.class, () -> rm.openConnection(Direction.INBOUND, addr("2001:db8:5:5::99")));
        assertTrue(h.getMessage().contains("/64"), h.getMessage());
        for (String v4 : List.of("10.0.0.1", "10.0.0.2")) { // IPv4: each address on its own
            for (int i = 0; i < 2; i++) rm.openConnection(Direction.INBOUND, addr(v4)).setPeer(peer());
            ConnectionScope third = rm.openConnection(Direction.INBOUND, addr(v4));
            assertThrows(ResourceLimitException.class, () -> third.setPeer(peer()), v4);
            third.close();
        }
        // at the defaults one /64 gets at most half of the node's inbound connections and of its handshakes (review)
        ResourceManager defaults = new ResourceManager(ResourceLimits.DEFAULTS);
        int half = ResourceLimits.DEFAULTS.system().inboundConns() / 2;
        for (int i = 1; i <= half; i++) defaults.openConnection(Direction.INBOUND, addr("2001:db8:9:9::" + Integer.toHexString(i))).setPeer(peer());
        ConnectionScope beyondHalf = defaults.openConnection(Direction.INBOUND, addr("2001:db8:9:9::ffff"));
        assertThrows(ResourceLimitException.class, () -> beyondHalf.setPeer(peer()));
        beyondHalf.close();
        int halfHandshakes = ResourceLimits.DEFAULTS.transientScope().inboundConns() / 2;
        for (int i = 1; i <= halfHandshakes; i++) defaults.openConnection(Direction.INBOUND, addr("2001:db8:7:7::" + Integer.toHexString(i)));
        assertThrows(ResourceLimitException.class, () -> defaults.openConnection(Direction.INBOUND, addr("2001:db8:7:7::ffff")));
        for (String ll : List.of("fe80::1", "fe80::2")) { // link-local: each address on its own
            for (int i = 0; i < 2; i++) rm.openConnection(Direction.INBOUND, addr(ll)).setPeer(peer());
            ConnectionScope third = rm.openConnection(Direction.INBOUND, addr(ll));
            assertThrows(ResourceLimitException.class, () -> third.setPeer(peer()), ll);
            third.close();
        }
    }

    /** Issue 13 (c): bytes queued for a peer that does not read count against its peer and the node, not its connection. */
    @Test
    void queuedBytesAreHeldByThePeerAndTheNode() throws Exception {
        ResourceManager rm = new ResourceManager(small()); // connection 400 KiB (100 KiB until admitted), peer 512 KiB, system 1 MiB
        ConnectionScope c = rm.openConnection(Direction.INBOUND, A);
        c.setPeer(peer());
        assertTrue(c.reserveQueued(300 << 10), "more than the unadmitted connection may hold itself: its streams' windows fill that");
        assertFalse(c.reserveQueued(300 << 10), "the peer's 512 KiB");
        ConnectionScope d = rm.openConnection(Direction.INBOUND, B);
        d.setPeer(peer());
        assertTrue(d.reserveQueued(500 << 10));
        ConnectionScope e = rm.openConnection(Direction.INBOUND, addr("10.0.0.9"));
        e.setPeer(peer());
        assertFalse(e.reserveQueued(300 << 10), "the node's 1 MiB (300 + 500 held already), though its peer has room");
        e.close();
        c.releaseMemory(100 << 10);
        assertEquals((200 + 500) << 10, rm.system().memory());
        c.close();
        d.close();
        assertEquals(0, rm.system().memory());
    }

    /** Window growth (issue 16) takes only spare memory: half of each shared limit stays for what streams need. */
    @Test
    void spareMemoryStopsAtHalfOfEverySharedLimit() throws Exception {
        ResourceManager rm = new ResourceManager(small()); // connection 400 KiB (100 KiB until admitted), peer 512 KiB, system 1 MiB
        ConnectionScope c = rm.openConnection(Direction.INBOUND, A);
        c.setPeer(peer());
        c.admit();
        StreamScope s = c.openStream(Direction.INBOUND);
        assertTrue(s.reserveMemory(64 << 10));
        assertTrue(s.reserveSpareMemory(100 << 10), "164 KiB: under half of the connection's 400");
        assertFalse(s.reserveSpareMemory(64 << 10), "228 KiB would pass half the connection's limit");
        assertTrue(s.reserveMemory(64 << 10), "what a stream needs may still use the other half");
        ConnectionScope d = rm.openConnection(Direction.INBOUND, B);
        d.setPeer(peer());
        StreamScope t = d.openStream(Direction.INBOUND);
        assertTrue(t.reserveMemory(32 << 10));
        assertFalse(t.reserveSpareMemory(32 << 10), "a connection not admitted yet: half of its 100 KiB");
        assertTrue(t.reserveSpareMemory(16 << 10));
        assertEquals((228 + 48) << 10, rm.system().memory());
        s.close();
        assertEquals(48 << 10, rm.system().memory(), "closing gives back the spare part too");
        t.close();
        assertFalse(t.reserveSpareMemory(1), "a closed stream reserves nothing");
        assertEquals(0, rm.system().memory());
        c.close();
        d.close();
    }

    /**
     * Issue 13: peers that fill the node's memory (incomplete frames, in HostileLanIT) must not keep new peers out of
     * their handshake: handshakes reserve from the transient scope's own budget.
     */
    @Test
    void aNodeWhoseMemoryIsFullStillCompletesHandshakes() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        List<ConnectionScope> hogs = new ArrayList<>();
        for (int i = 0; i < 2; i++) { // two peers of 500 KiB each: the node's 1 MiB is full
            ConnectionScope hog = rm.openConnection(Direction.INBOUND, A);
            hog.setPeer(peer());
            assertTrue(hog.reserveQueued(500 << 10));
            hogs.add(hog);
        }
        ConnectionScope third = rm.openConnection(Direction.INBOUND, A);
        third.setPeer(peer());
        hogs.add(third);
        assertFalse(third.reserveQueued(30 << 10), "the node's memory is full");
        ConnectionScope newcomer = rm.openConnection(Direction.INBOUND, B);
        assertTrue(newcomer.reserveMemory(60 * 1024), "its handshake still gets its frame's room");
        newcomer.releaseMemory(60 * 1024);
        newcomer.setPeer(peer());
        assertFalse(newcomer.reserveMemory(30 << 10), "once authenticated, it shares the node's memory");
        newcomer.close();
        hogs.forEach(ConnectionScope::close);
        assertEquals(0, rm.system().memory());
        assertEquals(0, rm.handshaking().memory());
    }

    /**
     * Review of issue 13: leaving the transient scope must not take the node past {@code system.memory} by what the
     * handshake still holds (it was added to the system without a check). A full node refuses the move and keeps
     * everything as it was; the same connection, holding nothing, is admitted.
     */
    @Test
    void movingAConnectionOutOfItsHandshakeNeverPassesTheNodesMemory() throws Exception {
        ResourceManager rm = new ResourceManager(small()); // system 1 MiB
        List<ConnectionScope> hogs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ConnectionScope hog = rm.openConnection(Direction.INBOUND, A);
            hog.setPeer(peer());
            assertTrue(hog.reserveQueued(500 << 10));
            hogs.add(hog);
        }
        ConnectionScope newcomer = rm.openConnection(Direction.INBOUND, B);
        assertTrue(newcomer.reserveMemory(60 << 10));
        ResourceLimitException e = assertThrows(ResourceLimitException.class, () -> newcomer.setPeer(peer()));
        assertTrue(e.getMessage().contains("memory"), e.getMessage());
        assertEquals(1000 << 10, rm.system().memory(), "the node holds what it held, within its 1 MiB");
        assertEquals(60 << 10, rm.handshaking().memory(), "the refused connection is still in its handshake");
        assertEquals(1, rm.handshaking().inboundConns());
        assertEquals(2, rm.peers(), "the refused peer's scope is not kept");
        newcomer.releaseMemory(60 << 10);
        newcomer.setPeer(peer());
        assertEquals(1000 << 10, rm.system().memory());
        newcomer.close();
        hogs.forEach(ConnectionScope::close);
        assertEquals(new ResourceManager.Snapshot(0, 0, 0, 0, 0), rm.system());
        assertEquals(new ResourceManager.Snapshot(0, 0, 0, 0, 0), rm.handshaking());
    }

    @Test
    void aClosedConnectionGivesEverythingBack() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        ConnectionScope c = rm.openConnection(Direction.INBOUND, A);
        assertTrue(c.reserveMemory(10_000));
        c.setPeer(peer());
        c.admit();
        StreamScope s = c.openStream(Direction.INBOUND);
        assertTrue(s.reserveMemory(200_000));
        assertEquals(210_000, rm.system().memory());
        assertEquals(1, rm.peers());
        c.close();
        c.close(); // idempotent
        assertEquals(new ResourceManager.Snapshot(0, 0, 0, 0, 0), rm.system());
        assertEquals(new ResourceManager.Snapshot(0, 0, 0, 0, 0), rm.handshaking());
        assertEquals(0, rm.peers(), "an empty peer scope is pruned");
        assertFalse(s.reserveMemory(1), "a closed stream reserves nothing");
    }

    @Test
    void memoryIsCheckedOnEveryScopeBeforeItIsCommitted() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        ConnectionScope c = rm.openConnection(Direction.INBOUND, A);
        assertTrue(c.reserveMemory(60 * 1024));
        assertFalse(c.reserveMemory(8 * 1024), "the transient scope holds 64 KiB");
        assertEquals(60 * 1024, rm.handshaking().memory(), "a failed reservation takes nothing anywhere");
        assertEquals(0, rm.system().memory(), "handshakes have their own budget");
        c.setPeer(peer());
        assertEquals(60 * 1024, rm.system().memory(), "an authenticated connection's memory is the system's");
        assertTrue(c.reserveMemory(30 * 1024));
        assertFalse(c.reserveMemory(20 * 1024), "until admitted a connection holds 100 KiB");
        c.admit();
        assertTrue(c.reserveMemory(20 * 1024));
        StreamScope s = c.openStream(Direction.OUTBOUND);
        assertFalse(s.reserveMemory(301 * 1024), "a stream holds 300 KiB");
        assertTrue(s.reserveMemory(250 * 1024));
        assertFalse(c.reserveMemory(100 * 1024), "the connection holds 400 KiB, its stream's included");
        s.releaseMemory(250 * 1024);
        assertTrue(c.reserveMemory(100 * 1024));
    }

    @Test
    void aPeerIsBoundedOverAllItsConnections() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        PeerId p = peer();
        List<ConnectionScope> conns = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ConnectionScope c = rm.openConnection(Direction.INBOUND, A);
            c.setPeer(p);
            c.admit();
            conns.add(c);
        }
        ConnectionScope third = rm.openConnection(Direction.INBOUND, A);
        assertThrows(ResourceLimitException.class, () -> third.setPeer(p), "two inbound connections per peer");
        third.close();
        conns.get(0).openStream(Direction.INBOUND);
        conns.get(0).openStream(Direction.INBOUND);
        conns.get(1).openStream(Direction.INBOUND);
        assertThrows(ResourceLimitException.class, () -> conns.get(1).openStream(Direction.INBOUND), "three inbound streams per peer");
        assertTrue(conns.get(0).reserveMemory(300 * 1024));
        assertFalse(conns.get(1).reserveMemory(300 * 1024), "512 KiB per peer over its connections");
        assertEquals(2, rm.system().inboundConns());
    }

    @Test
    void theSystemScopeBoundsEveryoneTogether() throws Exception {
        ResourceManager rm = new ResourceManager(small());
        long reserved = 0;
        for (int i = 0; i < 6; i++) {
            ConnectionScope c = rm.openConnection(Direction.INBOUND, addr("10.0.1." + (i + 1)));
            c.setPeer(peer());
            c.admit();
            while (c.reserveMemory(64 * 1024)) reserved += 64 * 1024;
        }
        assertTrue(reserved <= 1 << 20, "1 MiB for the whole node: " + reserved);
        assertEquals(1 << 20, rm.system().memory());
        assertThrows(ResourceLimitException.class, () -> rm.openConnection(Direction.INBOUND, addr("10.0.2.1")), "six connections for the whole node");
    }

    @Test
    void limitsAreChangedByNameWithClearErrors() {
        ResourceLimits l = ResourceLimits.DEFAULTS.with("peer.inboundStreams", "64").with("system.memory", "96MiB").with("stream.memory", "512KiB");
        assertEquals(64, l.peer().inboundStreams());
        assertEquals(96L << 20, l.system().memory());
        assertEquals(512L << 10, l.stream().memory());
        assertEquals("96MiB", l.names().get("system.memory"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> l.with("peer.streams", "1"));
        assertTrue(unknown.getMessage().contains("peer.inboundStreams"), "the error lists the names: " + unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> l.with("system.memory", "lots"));
        assertThrows(IllegalArgumentException.class, () -> l.with("peer.inboundConns", "-1"));
        assertThrows(IllegalArgumentException.class, () -> l.with("transient.perIp", "0"));
        assertThrows(IllegalArgumentException.class, () -> l.with("system.inboundPerIp", "0"));
        assertEquals("40", l.with("system.inboundPerIp", "40").names().get("system.inboundPerIp"));
        assertEquals(1536, ResourceLimits.parseBytes("x", "1536"));
        assertEquals(2048, ResourceLimits.parseBytes("x", "2KB"));
        assertEquals(3L << 30, ResourceLimits.parseBytes("x", "3GiB"));
    }

    static PeerId peer() {
        return Identity.generate().peerId();
    }
}
