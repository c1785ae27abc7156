package lanchat.discovery.mdns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import lanchat.discovery.mdns.Netns.Child;

/**
 * Real multicast between two network namespaces made by the test (root only; skipped elsewhere unless
 * {@code -Dit.requireNetns=true}, which makes that a failure; the go-libp2p and js-libp2p cases likewise skip without
 * the interop peers unless {@code -Dit.requireInterop=true}). Each node is its own {@code java} process started with
 * {@code ip netns exec}; its stdout protocol is {@link NetnsNode}'s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MdnsNetnsTest {
    static Netns net;
    static Set<String> hostBefore;
    static final String ROOM = "lc-room-" + Long.toHexString(System.nanoTime() & 0xFFFFFF);
    static final String[] FAST = {"--opt", "mdnsQueryIntervalMs=2000", "--opt", "mdnsInterfacePollMs=500"};

    @BeforeAll
    static void up() throws IOException {
        Netns.assumeAvailable();
        hostBefore = hostMdnsState();
        net = new Netns().up();
    }

    @AfterAll
    static void down() throws IOException {
        if (net == null) return;
        net.close();
        Set<String> after = hostMdnsState();
        after.removeAll(hostBefore);
        assertEquals(Set.of(), after, "new mDNS sockets or group memberships in the host namespace");
    }

    @AfterEach
    void stopChildren() {
        if (net == null) return;
        for (Child c : net.children) c.stop();
        for (Child c : net.children) assertFalse(c.stderr().contains("LEAK:"), c.name + " leaked a Netty buffer:\n" + c.tail());
        net.children.clear();
    }

    /**
     * What in the host namespace could carry mDNS: UDP sockets on port 5353 and memberships of 224.0.0.251 / ff02::fb.
     * The test must not add any (its nodes live in the namespaces).
     */
    static Set<String> hostMdnsState() throws IOException {
        Set<String> s = new TreeSet<>();
        for (String f : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
            for (String l : Files.readAllLines(Path.of(f))) {
                String[] p = l.trim().split("\\s+");
                if (p.length > 9 && p[1].endsWith(":14E9")) s.add(f + " inode " + p[9]);
            }
        }
        String dev = "";
        for (String l : Files.readAllLines(Path.of("/proc/net/igmp"))) {
            if (!l.startsWith("\t") && !l.startsWith("Idx")) dev = l.split("\\s+")[1];
            if (l.contains("FB0000E0")) s.add("igmp " + dev);
        }
        for (String l : Files.readAllLines(Path.of("/proc/net/igmp6"))) if (l.contains("ff0200000000000000000000000000fb")) s.add("igmp6 " + l.trim().split("\\s+")[1]);
        return s;
    }

    static String[] args(String room, String... more) {
        String[] base = {"--room", room};
        String[] out = new String[base.length + FAST.length + more.length];
        System.arraycopy(base, 0, out, 0, base.length);
        System.arraycopy(FAST, 0, out, base.length, FAST.length);
        System.arraycopy(more, 0, out, base.length + FAST.length, more.length);
        return out;
    }

    @Test
    @Order(1)
    void sameRoomFindsEachOtherBothWaysOtherRoomsNeverAndCloseIsSeenAtOnce() throws Exception {
        Child a = net.start(net.nsA, "a", Netns.javaNode(args(ROOM, "--listen", "/ip4/" + net.ipA() + "/tcp/4001", "--listen", "/ip6/" + net.ip6A() + "/tcp/4001")));
        Child c = net.start(net.nsB, "c", Netns.javaNode(args(ROOM + "-other", "--listen", "/ip4/" + net.ipB() + "/tcp/4003")));
        String aId = a.must("SELF (\\S+) .*", 15_000).group(1);
        String cId = c.must("SELF (\\S+) .*", 15_000).group(1);
        long aReady = Long.parseLong(a.must("READY (\\d+)", 15_000).group(1));
        c.must("READY (\\d+)", 15_000);
        Thread.sleep(300); // A is announced and settled: B below is the newcomer

        Child b = net.start(net.nsB, "b", Netns.javaNode(args(ROOM, "--listen", "/ip4/" + net.ipB() + "/tcp/4002", "--listen", "/ip6/" + net.ip6B() + "/tcp/4002", "--tap")));
        String bId = b.must("SELF (\\S+) .*", 15_000).group(1);
        long bReady = Long.parseLong(b.must("READY (\\d+)", 15_000).group(1));

        Matcher aSeesB = a.must("FOUND (\\d+) " + bId + " (.*)", 3_000);
        Matcher bSeesA = b.must("FOUND (\\d+) " + aId + " (.*)", 3_000);
        long aLatency = Long.parseLong(aSeesB.group(1)) - bReady, bLatency = Long.parseLong(bSeesA.group(1)) - bReady;
        System.out.printf("netns discovery latency: A found B %d ms after B started, B found A %d ms after B started (A started %d ms earlier)%n",
                aLatency, bLatency, bReady - aReady);
        assertTrue(aLatency < 3000 && bLatency < 3000);
        assertEquals(Set.of("/ip4/" + net.ipB() + "/tcp/4002/p2p/" + bId, "/ip6/" + net.ip6B() + "/tcp/4002/p2p/" + bId), Set.of(aSeesB.group(2).split(",")));
        assertEquals(Set.of("/ip4/" + net.ipA() + "/tcp/4001/p2p/" + aId, "/ip6/" + net.ip6A() + "/tcp/4001/p2p/" + aId), Set.of(bSeesA.group(2).split(",")));

        Thread.sleep(4500); // two query rounds: every node has answered every query by now
        // both families carry the records: B got A's datagrams over IPv4 and over IPv6 (ff02::fb, link-local source)
        assertTrue(b.any(l -> l.startsWith("PKT ") && l.split(" ")[2].equals("/" + net.ipA() + ":5353")), "nothing from A over IPv4");
        assertTrue(b.any(l -> l.startsWith("PKT ") && l.split(" ")[2].startsWith("/[fe80:")), "nothing from A over IPv6; senders: "
                + b.lines.stream().filter(l -> l.startsWith("PKT ")).map(l -> l.split(" ")[2]).distinct().toList() + "\n" + a.tail());
        assertFalse(a.any(l -> l.contains(cId)), "A saw the other room's node");
        assertFalse(b.any(l -> l.contains(cId)), "B saw the other room's node");
        assertFalse(c.any(l -> l.startsWith("FOUND")), "the other room's node saw someone");
        assertNull(a.await("LOST .*", 0), "no spurious loss while everyone answers");
        b.lines.stream().filter(l -> l.startsWith("PKT ") && l.split(" ")[2].equals("/" + net.ipA() + ":5353")).map(l -> HexFormat.of().parseHex(l.split(" ")[3]))
                .filter(x -> (x[2] & 0x80) != 0 && Dig.parse(x).section("ADDITIONAL").size() > 0).findFirst()
                .ifPresent(x -> System.out.println("A's answer to a query, as B received it (" + x.length + " bytes):\n" + Dig.hex(x) + Dig.parse(x).render()));

        long t0 = System.currentTimeMillis();
        b.send("close");
        long closeMs = Long.parseLong(b.must("CLOSED (\\d+)", 5_000).group(1));
        Matcher lost = a.must("LOST (\\d+) " + bId, 2_000);
        System.out.printf("close() took %d ms; A saw PeerLost %d ms after close was asked%n", closeMs, Long.parseLong(lost.group(1)) - t0);
        assertTrue(closeMs < 1500, "close() took " + closeMs + " ms");
        a.send("close");
        a.must("CLOSED (\\d+)", 5_000);
        assertTrue(a.stderr().contains("joined 224.0.0.251 on " + net.vethA) && a.stderr().contains("joined ff02::fb on " + net.vethA), a.tail());
        assertFalse(a.stderr().contains("on lo#"), "loopback must not be used when another interface exists");
    }

    @Test
    @Order(4)
    void anInterfaceThatComesBackWithANewNameAndIndexIsJoinedAgain() throws Exception {
        Child a = net.start(net.nsA, "a2", Netns.javaNode(args(ROOM + "-re", "--listen", "/ip4/0.0.0.0/tcp/4001")));
        Child b = net.start(net.nsB, "b2", Netns.javaNode(args(ROOM + "-re", "--listen", "/ip4/0.0.0.0/tcp/4002")));
        a.must("READY \\d+", 15_000);
        String bId = b.must("SELF (\\S+) .*", 15_000).group(1);
        b.must("READY \\d+", 15_000);
        a.must("FOUND \\d+ " + bId + " /ip4/" + net.ipB() + "/tcp/4002/p2p/" + bId, 3_000);

        String oldVeth = net.vethA;
        int ip3 = 200 + net.subnet % 50;
        String newA = "10.78." + ip3 + ".1", newB = "10.78." + ip3 + ".2";
        long t0 = System.currentTimeMillis();
        net.replaceLink(newA, newB);
        Matcher again = a.must("FOUND (\\d+) " + bId + " .*/ip4/" + newB + "/tcp/4002/p2p/" + bId + ".*", 6_000);
        System.out.printf("after the link was replaced (%s -> %s), A found B at %s %d ms later%n", oldVeth, net.vethA, newB, Long.parseLong(again.group(1)) - t0);
        assertTrue(a.stderr().contains("left 224.0.0.251 on " + oldVeth), a.tail());
        assertTrue(a.stderr().contains("joined 224.0.0.251 on " + net.vethA), a.tail());
        // the old address is dropped after two unanswered query rounds (2 s each here)
        a.must("FOUND \\d+ " + bId + " /ip4/" + newB + "/tcp/4002/p2p/" + bId, 8_000);
    }

    @Test
    @Order(2)
    void goLibp2pPeerAndWeFindEachOther() throws Exception {
        Path goPeer = interop().resolve("go-peer/go-peer");
        Netns.requireInteropPeer(Files.isExecutable(goPeer) ? null : "interop/go-peer/go-peer is not built");
        String room = ROOM + "-go";
        Child go = net.start(net.nsA, "go", List.of(goPeer.toString(), "-key", "ed25519", "-listen", "/ip4/" + net.ipA() + "/tcp/0", "-rendezvous", room));
        String goId = go.must("PEERID (\\S+)", 20_000).group(1);
        String goListen = go.must("LISTEN (\\S+)", 1_000).group(1);
        Child we = net.start(net.nsB, "we", Netns.javaNode(args(room, "--listen", "/ip4/" + net.ipB() + "/tcp/4002", "--tap")));
        String ourId = we.must("SELF (\\S+) .*", 15_000).group(1);
        long ready = Long.parseLong(we.must("READY (\\d+)", 15_000).group(1));

        Matcher found = we.must("FOUND (\\d+) " + goId + " (.*)", 3_000);
        System.out.printf("we found the go-libp2p peer %d ms after start: %s%n", Long.parseLong(found.group(1)) - ready, found.group(2));
        assertEquals(goListen, found.group(2));

        // go's notifee logs "mdns: found <id> [addrs]" once zeroconf's browser accepted our PTR+SRV+TXT+A (the
        // larger peer id waits 3 s before logging; it then fails to dial: nothing listens on our advertised port)
        long end = System.currentTimeMillis() + 8_000;
        while (System.currentTimeMillis() < end && !go.stderr().contains("mdns: found " + ourId)) Thread.sleep(50);
        String goLog = go.stderr();
        assertTrue(goLog.contains("mdns: found " + ourId + " [/ip4/" + net.ipB() + "/tcp/4002]"), "go peer did not accept our records:\n" + goLog);

        byte[] goBytes = null;
        for (String l : we.lines) {
            String[] f = l.split(" ");
            if (!l.startsWith("PKT ") || !f[2].equals("/" + net.ipA() + ":5353")) continue;
            byte[] b = HexFormat.of().parseHex(f[3]);
            if ((b[2] & 0x80) != 0 && Dig.parse(b).render().contains("TXT")) {
                goBytes = b;
                break;
            }
        }
        assertNotNull(goBytes, "no go response captured");
        Files.writeString(Path.of("target", "netns-logs", "go-response.hex"), HexFormat.of().formatHex(goBytes));
        System.out.println("a go-libp2p mDNS response as received (" + goBytes.length + " bytes):\n" + Dig.hex(goBytes) + Dig.parse(goBytes).render());

        go.process.destroy(); // SIGTERM: go-peer shuts down its mdns service, whose zeroconf server says goodbye
        Matcher lost = we.must("LOST (\\d+) " + goId, 5_000);
        assertNotNull(lost);
        StringBuilder all = new StringBuilder(); // every datagram from go, for the record (and the GoWireTest fixtures)
        for (String l : we.lines) if (l.startsWith("PKT ") && l.split(" ")[2].equals("/" + net.ipA() + ":5353")) all.append(l.split(" ")[3]).append('\n');
        Files.writeString(Path.of("target", "netns-logs", "go-packets.hex"), all);
    }

    @Test
    @Order(3)
    void jsLibp2pPeerAndWeFindEachOtherAndItsCrashIsNoticed() throws Exception {
        Path peerJs = interop().resolve("js-peer/peer.js");
        Path node = Netns.onPath("node").orElse(null);
        Netns.requireInteropPeer(node == null ? "node is not on the PATH"
                : Files.exists(peerJs) && Files.isDirectory(peerJs.getParent().resolve("node_modules")) ? null : "interop/js-peer is not installed");
        String room = ROOM + "-js";
        Child js = net.start(net.nsA, "js", List.of(node.toString(), peerJs.toString(), "--key", "ed25519", "--listen", "/ip4/" + net.ipA() + "/tcp/0", "--rendezvous", room));
        String jsId = js.must("PEERID (\\S+)", 30_000).group(1);
        Child we = net.start(net.nsB, "we-js", Netns.javaNode(args(room, "--listen", "/ip4/" + net.ipB() + "/tcp/4002")));
        String ourId = we.must("SELF (\\S+) .*", 15_000).group(1);
        long ready = Long.parseLong(we.must("READY (\\d+)", 15_000).group(1));
        Matcher found = we.must("FOUND (\\d+) " + jsId + " (.*)", 3_000);
        System.out.printf("we found the js-libp2p peer %d ms after start: %s%n", Long.parseLong(found.group(1)) - ready, found.group(2));
        assertTrue(found.group(2).startsWith("/ip4/" + net.ipA() + "/tcp/"), found.group(2));
        long end = System.currentTimeMillis() + 8_000;
        while (System.currentTimeMillis() < end && !js.stderr().contains("mdns: found " + ourId)) Thread.sleep(50);
        assertTrue(js.stderr().contains("mdns: found " + ourId + " /ip4/" + net.ipB() + "/tcp/4002"), "js peer did not accept our records:\n" + js.stderr());

        long t0 = System.currentTimeMillis();
        js.process.destroyForcibly(); // SIGKILL: no goodbye; it stops answering our queries (every 2 s here)
        Matcher lost = we.must("LOST (\\d+) " + jsId, 10_000);
        System.out.printf("a killed js-libp2p peer was reported lost %d ms later (no goodbye; 2 unanswered queries)%n", Long.parseLong(lost.group(1)) - t0);
    }

    /** The repository's interop/ directory (the tests run in the module directory), built or not. */
    static Path interop() {
        Path p = Path.of("").toAbsolutePath();
        for (int i = 0; i < 3 && p != null; i++, p = p.getParent()) {
            if (Files.isDirectory(p.resolve("interop/go-peer"))) return p.resolve("interop");
        }
        return Path.of("interop");
    }
}
