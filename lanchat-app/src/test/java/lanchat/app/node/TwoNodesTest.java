package lanchat.app.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.policy.ReconnectPolicy;
import lanchat.api.spi.Plugins;
import lanchat.api.spi.TransportProvider;
import lanchat.app.tui.ChatShell;
import lanchat.app.tui.RecordingConsole;
import lanchat.room.RoomConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two (for the room log, three) real {@link ChatNode}s on the netty transport over 127.0.0.1, each with the app's
 * {@link ChatShell} on a recording console: what a user would see and type, without processes. Every wait is bounded.
 */
@Timeout(120)
class TwoNodesTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    /** Quick redials, so that the reconnect tests take a second, not fifteen. */
    static final ReconnectPolicy FAST = new ReconnectPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 2.0, 0.2, Duration.ofMillis(500));
    static final Multiaddr LOOPBACK_ANY_PORT = Multiaddr.parse("/ip4/127.0.0.1/tcp/0");

    private final List<Node> started = new ArrayList<>();
    @TempDir
    Path dir;

    /** One node, its shell, and the console lines its user sees. */
    final class Node {
        final Identity identity;
        final RecordingConsole console = new RecordingConsole();
        final ChatShell shell = new ChatShell(console, () -> { });
        final ChatNode node;
        final List<Multiaddr> addresses;

        Node(Identity identity, String nick, Multiaddr bind, List<Multiaddr> staticPeers) throws Exception {
            this(identity, nick, ChatNode.History.IN_MEMORY, bind, staticPeers);
        }

        Node(Identity identity, String nick, ChatNode.History history, Multiaddr bind, List<Multiaddr> staticPeers) throws Exception {
            this(identity, nick, history, List.of("netty"), bind, staticPeers.stream().map(TransportAddress::untagged).toList());
        }

        /** On the {@code transports} named (the first dials untagged addresses), dialing {@code staticPeers}. */
        Node(Identity identity, String nick, ChatNode.History history, List<String> transports, Multiaddr bind, List<TransportAddress> staticPeers) throws Exception {
            this.identity = identity;
            List<TransportProvider> providers = transports.stream().map(Plugins.installed()::transport).toList();
            node = new ChatNode(new ChatNode.Setup(identity, providers.get(0), Optional.empty(), Optional.empty(), nick, Map.of(), FAST,
                    lanchat.api.resource.ResourceLimits.DEFAULTS, Optional.empty(), providers.subList(1, providers.size())), shell, history);
            shell.attach(node);
            started.add(this);
            addresses = node.startTagged(bind, staticPeers);
        }

        PeerId id() { return identity.peerId(); }

        Multiaddr address() { return addresses.get(0); }

        /** Types a line into this node's shell. */
        void type(String line) { shell.onLine(line); }

        int await(int from, String line) { return console.await(from, line, WAIT); }

        void close() { node.close(Duration.ofMillis(2500)); }

        /** The lines since {@code from} that came from room members (not status lines, not the ✓/✗ lines). */
        List<String> chat(int from) {
            return console.lines().subList(from, console.lines().size()).stream().filter(l -> !l.startsWith("* ") && !l.startsWith("✓") && !l.startsWith("✗")).toList();
        }
    }

    @AfterEach
    void closeAll() {
        started.forEach(Node::close);
    }

    private static void awaitConnected(Node a, int fromA, Node b, int fromB) {
        a.await(fromA, "✓ connected to " + b.id());
        b.await(fromB, "✓ connected to " + a.id());
    }

    /** On an interactive terminal (issue 18): Tab offers the connected peers' names; connection lines name the peer. */
    @Test
    void aTerminalCompletesConnectedPeersNamesAndNamesAPeerThatLeaves() throws Exception {
        Node a = new Node(Identity.generate(), "alice", LOOPBACK_ANY_PORT, List.of());
        a.console.decorating();
        Node b = new Node(Identity.generate(), "bob", LOOPBACK_ANY_PORT, List.of(a.address()));
        Node c = new Node(Identity.generate(), null, LOOPBACK_ANY_PORT, List.of(a.address()));
        a.await(0, "✓ connected to " + b.id()); // its nick is not known yet: the bare line
        a.await(0, "✓ connected to " + c.id());
        b.type("hi, I am bob");
        a.await(0, "bob: hi, I am bob");

        assertEquals(java.util.Set.of("@bob", "@" + c.id().shortString()), java.util.Set.copyOf(a.console.complete(List.of("/send"), "@b")));
        assertEquals(java.util.Set.of("bob", c.id().shortString()), java.util.Set.copyOf(a.console.complete(List.of("thanks"), "b")));
        assertEquals(List.of(), a.console.complete(List.of("/accept"), "1"));

        int mark = a.console.mark();
        b.close();
        a.await(mark, "✗ disconnected from " + b.id() + " (bob)");
    }

    @Test
    void twoNodesConnectChatBothWaysPingAndSeeTheDisconnection() throws Exception {
        Node a = new Node(Identity.generate(), null, LOOPBACK_ANY_PORT, List.of());
        assertEquals(1, a.addresses.size(), "one listen address for 127.0.0.1: " + a.addresses);
        assertTrue(a.address().toString().matches("/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/" + a.id()), a.address().toString());

        Node b = new Node(Identity.generate(), "bob", LOOPBACK_ANY_PORT, List.of(a.address()));
        awaitConnected(a, 0, b, 0);

        // B has a nick: A shows it; A has none: B shows A's short id
        b.type("hello from B");
        a.await(0, "bob: hello from B");
        String utf8 = "grüße — 日本語 🎉 Ελληνικά";
        a.type(utf8);
        b.await(0, a.id().shortString() + ": " + utf8);

        // 64 KiB lines both ways: ASCII (65536 bytes) and two-byte characters (65536 bytes). Longer than a room message
        // (16 KiB): they go as plain chat lines, shown unsigned, and the sender is told
        String ascii64k = "0123456789abcdef".repeat(4096);
        String twoByte64k = "ü".repeat(32768);
        a.type(ascii64k);
        b.type(twoByte64k);
        b.await(0, a.id().shortString() + " (unsigned): " + ascii64k);
        a.await(0, "bob (unsigned): " + twoByte64k);
        a.await(0, "* longer than a room message (16 KiB): sent as a plain line, unsigned and not kept");

        // order is kept
        int at = b.console.mark();
        for (int i = 0; i < 20; i++) a.type("line " + i);
        int prev = -1;
        for (int i = 0; i < 20; i++) {
            int idx = b.console.await(at, a.id().shortString() + ": line " + i, WAIT);
            assertTrue(idx > prev, "line " + i + " arrived out of order");
            prev = idx;
        }

        // /ping answers with a round-trip time, on both ends
        int markA = a.console.mark();
        a.type("/ping");
        a.console.await(markA, l -> l.matches("\\* ping bob: \\d+\\.\\d{3} ms"), WAIT);
        int markB = b.console.mark();
        b.type("/ping");
        b.console.await(markB, l -> l.matches("\\* ping " + a.id().shortString() + ": \\d+\\.\\d{3} ms"), WAIT);

        // /peers shows the peer with its nick, id, address, transport, direction and what it is to the room
        markA = a.console.mark();
        a.type("/peers");
        a.console.await(markA, l -> l.startsWith("* bob#" + b.id().shortString() + "  " + b.id() + "  /ip4/127.0.0.1/tcp/") && l.endsWith(" netty inbound  room member (signed)"), WAIT);
        markB = b.console.mark();
        b.type("/peers");
        b.console.await(markB, l -> l.equals("* " + a.id().shortString() + "  " + a.id() + "  " + a.address().withoutPeerId() + "  netty outbound  room member (signed)"), WAIT);

        // B leaves: A is told
        markA = a.console.mark();
        b.close();
        a.await(markA, "✗ disconnected from " + b.id());
        a.type("anyone?");
        a.await(markA, "* no peers connected; kept for peers that join");
    }

    @Test
    void aRestartedPeerReconnectsByItselfInBothDirections() throws Exception {
        Identity idA = Identity.generate();
        Identity idB = Identity.generate();
        Node a = new Node(idA, "alice", LOOPBACK_ANY_PORT, List.of());
        Node b = new Node(idB, "bob", LOOPBACK_ANY_PORT, List.of(a.address()));
        awaitConnected(a, 0, b, 0);

        // B (which has A as --peer) stops and starts again with the same identity: it dials A again by itself
        int markA = a.console.mark();
        b.close();
        a.await(markA, "✗ disconnected from " + idB.peerId());
        Node b2 = new Node(idB, "bob", LOOPBACK_ANY_PORT, List.of(a.address()));
        markA = a.console.mark();
        awaitConnected(a, markA, b2, 0);
        b2.type("back again");
        a.await(markA, "bob: back again");

        // vice versa: A stops; B2 keeps redialing its --peer until A is back on the same address, then reconnects
        a.type("hi bob");
        b2.await(0, "alice: hi bob");
        int markB = b2.console.mark();
        Multiaddr addrA = a.address();
        a.close();
        b2.await(markB, "✗ disconnected from " + idA.peerId());
        b2.console.await(markB, l -> l.startsWith("* cannot reach alice: ") && l.contains("retrying in"), WAIT);
        Node a2 = new Node(idA, "alice", addrA.withoutPeerId(), List.of());
        assertEquals(addrA, a2.address());
        awaitConnected(a2, 0, b2, markB);
        a2.type("welcome back");
        b2.await(markB, "alice: welcome back");
        b2.type("thanks");
        a2.await(0, "bob: thanks");
    }

    @Test
    void twoNodesThatEachHaveTheOtherAsPeerEndUpWithOneConnection() throws Exception {
        for (int round = 0; round < 3; round++) { // each round races the two dials differently
            int portA = freePort(), portB = freePort();
            Identity idA = Identity.generate(), idB = Identity.generate();
            Multiaddr addrA = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + portA), addrB = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + portB);
            Node a = new Node(idA, "alice", addrA, List.of(addrB.withPeerId(idB.peerId())));
            Node b = new Node(idB, "bob", addrB, List.of(addrA.withPeerId(idA.peerId())));
            awaitConnected(a, 0, b, 0);
            a.type("ping from alice " + round);
            b.await(0, "alice: ping from alice " + round);
            b.type("ping from bob " + round);
            a.await(0, "bob: ping from bob " + round);

            // absence of an event cannot be awaited: give a spurious disconnection (after the replacement grace) time to show
            Thread.sleep(PeerManager.REPLACEMENT_GRACE.toMillis() + 500);
            PeerManager.PeerInfo[] peersA = a.node.peers(), peersB = b.node.peers();
            assertEquals(1, peersA.length);
            assertEquals(1, peersB.length);
            assertTrue(!peersA[0].direction().equals(peersB[0].direction()), "the two ends kept different connections: A " + peersA[0] + ", B " + peersB[0]);
            // the lines crossed as signed room messages: /peers calls each other a room member
            assertEquals(PeerManager.RoomRole.MEMBER, peersA[0].room(), "A's /peers row of B: " + peersA[0]);
            assertEquals(PeerManager.RoomRole.MEMBER, peersB[0].room(), "B's /peers row of A: " + peersB[0]);
            for (Node n : List.of(a, b)) {
                List<String> lines = n.console.lines();
                assertEquals(1, lines.stream().filter(l -> l.startsWith("✓")).count(), "round " + round + ": " + lines);
                assertEquals(0, lines.stream().filter(l -> l.startsWith("✗")).count(), "round " + round + ": " + lines);
            }
            a.close();
            b.close();
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void aPeerDialedAtAWrongPeerIdIsReportedAndNotConnected() throws Exception {
        Node a = new Node(Identity.generate(), null, LOOPBACK_ANY_PORT, List.of());
        PeerId someoneElse = Identity.generate().peerId();
        Node b = new Node(Identity.generate(), null, LOOPBACK_ANY_PORT, List.of(a.address().withPeerId(someoneElse)));
        b.console.await(0, l -> l.startsWith("* cannot reach " + someoneElse.shortString() + ": ") && l.contains("retrying in"), WAIT);
        assertTrue(b.console.lines().stream().noneMatch(l -> l.startsWith("✓")), "connected to an impostor: " + b.console.lines());
        assertTrue(a.console.lines().stream().noneMatch(l -> l.startsWith("✓")), "A accepted a dial meant for someone else: " + a.console.lines());
    }

    // ---- the room log (issue 14) ----

    /**
     * A late joiner gets what was said before it came as one block in room order, and A and C, which never connect,
     * talk through B (relay); every line is shown once on every node.
     */
    @Test
    void aLateJoinerGetsTheHistoryAsOneBlockAndARelayCarriesLinesBothWays() throws Exception {
        Node a = new Node(Identity.generate(), "alice", LOOPBACK_ANY_PORT, List.of());
        Node b = new Node(Identity.generate(), "bob", LOOPBACK_ANY_PORT, List.of(a.address()));
        awaitConnected(a, 0, b, 0);
        a.shell.onLine("one");
        b.await(0, "alice: one");
        b.shell.onLine("two");
        a.await(0, "bob: two");
        a.shell.onLine("three");
        b.await(0, "alice: three");
        // said well before carol comes: a line typed as her session opens (the room's 250 ms slack) would be live
        Thread.sleep(500);

        Node c = new Node(Identity.generate(), "carol", LOOPBACK_ANY_PORT, List.of(b.address()));
        awaitConnected(b, 0, c, 0);
        c.await(0, "alice: three");
        assertEquals(List.of("— 3 messages while you were away —", "alice: one", "bob: two", "alice: three"), c.chat(0));

        int markA = a.console.mark();
        c.shell.onLine("hello from carol");
        a.await(markA, "carol: hello from carol"); // A and C are not connected: B relayed it
        a.shell.onLine("hi carol");
        c.await(0, "alice: hi carol");
        assertEquals(1, a.node.peers().length, "A is connected to B only");
        // A received carol's line once, B shows each line once
        assertEquals(List.of("carol: hello from carol"), a.chat(markA).stream().filter(l -> l.startsWith("carol")).toList());
        b.await(0, "alice: hi carol");
        // (a line typed as the session opens may reach B by catch-up, under a header: the lines are what counts here)
        assertEquals(List.of("alice: one", "alice: three", "carol: hello from carol", "alice: hi carol"), b.chat(0).stream().filter(l -> !l.startsWith("— ")).toList());
        // everyone holds A's lines: nothing pending
        a.console.awaitPrompt("> ", WAIT);
    }

    // ---- two transports in one node (issue 14, scenario 4) ----

    /**
     * A on netty and C on libp2p cannot talk to each other; B runs both (one listener each) and relays: each line
     * reaches the other side exactly once, signed (shown under its author's nick, not as unsigned).
     */
    @Test
    void aDualTransportNodeRelaysBetweenANettyAndALibp2pNeighbour() throws Exception {
        Node b = new Node(Identity.generate(), "bob", ChatNode.History.IN_MEMORY, List.of("libp2p", "netty"), LOOPBACK_ANY_PORT, List.of());
        List<TransportAddress> listening = b.node.listening();
        assertEquals(2, listening.size(), "one address per transport: " + listening);
        assertEquals(Optional.empty(), listening.get(0).transport(), "the first transport's address is printed untagged");
        assertEquals(Optional.of("netty"), listening.get(1).transport());
        assertTrue(!listening.get(0).address().equals(listening.get(1).address()), "two transports, two ports: " + listening);
        assertEquals(b.address(), listening.get(0).address());

        Node a = new Node(Identity.generate(), "alice", ChatNode.History.IN_MEMORY, List.of("netty"), LOOPBACK_ANY_PORT, List.of(listening.get(1)));
        Node c = new Node(Identity.generate(), "carol", ChatNode.History.IN_MEMORY, List.of("libp2p"), LOOPBACK_ANY_PORT,
                List.of(TransportAddress.untagged(listening.get(0).address())));
        awaitConnected(a, 0, b, 0);
        awaitConnected(c, 0, b, 0);
        assertEquals(List.of("netty", "libp2p"), List.of(a.node.peers()[0].transport(), c.node.peers()[0].transport()));

        int markC = c.console.mark();
        a.type("hello from netty");
        c.await(markC, "alice: hello from netty");
        int markA = a.console.mark();
        c.type("hello from libp2p");
        a.await(markA, "carol: hello from libp2p");
        b.await(0, "carol: hello from libp2p");
        Thread.sleep(500); // a second copy, if any, would come right behind the first
        assertEquals(List.of("alice: hello from netty"), c.chat(markC).stream().filter(l -> l.startsWith("alice")).toList());
        assertEquals(List.of("carol: hello from libp2p"), a.chat(markA).stream().filter(l -> l.startsWith("carol")).toList());
        assertEquals(2, b.node.peers().length);
        assertEquals(1, a.node.peers().length, "A reaches C only through B");
    }

    /**
     * Two dual-transport nodes that dial each other at once, A with netty and B with libp2p (each the other's first
     * transport, so both ports are known before either starts), end up with one session, the same on both ends: the
     * one-connection-per-pair rule holds across transports.
     */
    @Test
    void twoDualTransportNodesDialingEachOtherOverDifferentTransportsKeepOneSession() throws Exception {
        for (int round = 0; round < 3; round++) { // each round races the two dials differently
            int portA = freePort(), portB = freePort();
            Identity idA = Identity.generate(), idB = Identity.generate();
            TransportAddress aOnLibp2p = TransportAddress.parse("libp2p:/ip4/127.0.0.1/tcp/" + portA + "/p2p/" + idA.peerId());
            TransportAddress bOnNetty = TransportAddress.parse("netty:/ip4/127.0.0.1/tcp/" + portB + "/p2p/" + idB.peerId());
            Node a = new Node(idA, "alice", ChatNode.History.IN_MEMORY, List.of("libp2p", "netty"), aOnLibp2p.address().withoutPeerId(), List.of(bOnNetty));
            Node b = new Node(idB, "bob", ChatNode.History.IN_MEMORY, List.of("netty", "libp2p"), bOnNetty.address().withoutPeerId(), List.of(aOnLibp2p));
            awaitConnected(a, 0, b, 0);
            a.type("ping from alice " + round);
            b.await(0, "alice: ping from alice " + round);
            b.type("ping from bob " + round);
            a.await(0, "bob: ping from bob " + round);

            // absence of an event cannot be awaited: give a spurious disconnection (after the replacement grace) time to show
            Thread.sleep(PeerManager.REPLACEMENT_GRACE.toMillis() + 500);
            PeerManager.PeerInfo[] peersA = a.node.peers(), peersB = b.node.peers();
            assertEquals(1, peersA.length);
            assertEquals(1, peersB.length);
            String kept = "A " + peersA[0] + ", B " + peersB[0];
            assertEquals(peersA[0].transport(), peersB[0].transport(), "the two ends kept different connections: " + kept);
            assertTrue(!peersA[0].direction().equals(peersB[0].direction()), "the two ends kept different connections: " + kept);
            for (Node n : List.of(a, b)) {
                List<String> lines = n.console.lines();
                assertEquals(1, lines.stream().filter(l -> l.startsWith("✓")).count(), "round " + round + ": " + lines);
                assertEquals(0, lines.stream().filter(l -> l.startsWith("✗")).count(), "round " + round + ": " + lines);
            }
            assertEquals(1, a.console.lines().stream().filter(("bob: ping from bob " + round)::equals).count(), "once: " + a.console.lines());
            assertEquals(1, b.console.lines().stream().filter(("alice: ping from alice " + round)::equals).count(), "once: " + b.console.lines());
            a.close();
            b.close();
        }
    }

    /** With a data directory a restart with the same identity shows where the conversation was, and shows nothing again. */
    @Test
    void aRestartWithTheSameIdentityKeepsTheHistoryAndShowsNothingTwice() throws Exception {
        Identity id = Identity.generate();
        ChatNode.History onDisk = new ChatNode.History(Optional.of(dir), RoomConfig.DEFAULT_HISTORY_LIMIT, RoomConfig.DEFAULT_HISTORY_AGE);
        Node b = new Node(Identity.generate(), "bob", LOOPBACK_ANY_PORT, List.of());
        Node a = new Node(id, "alice", onDisk, LOOPBACK_ANY_PORT, List.of(b.address()));
        awaitConnected(a, 0, b, 0);
        b.shell.onLine("before the restart");
        a.await(0, "bob: before the restart");
        a.shell.onLine("me too");
        b.await(0, "alice: me too");
        a.close();
        assertTrue(Files.isRegularFile(dir.resolve(id.peerId().toString()).resolve("history.db")));

        int markB = b.console.mark();
        b.shell.onLine("while alice was away");
        Thread.sleep(500); // well before alice is back: a line typed as her session opens (the room's 250 ms slack) would be live
        Node a2 = new Node(id, "alice", onDisk, LOOPBACK_ANY_PORT, List.of(b.address()));
        a2.await(0, "bob: while alice was away");
        assertEquals(List.of("— 1 message while you were away —", "bob: while alice was away"), a2.chat(0), "only what was missed");
        a2.shell.onLine("/history 3");
        a2.await(0, "* the last 3 lines:");
        assertEquals(List.of("bob: before the restart", "alice: me too", "bob: while alice was away"), a2.chat(0).subList(2, 5));
        a2.shell.onLine("back");
        b.await(markB, "alice: back");
        assertEquals(List.of("alice: back"), b.chat(markB).stream().filter(l -> l.startsWith("alice")).toList(), "A's lines are not sent twice");
    }
}
