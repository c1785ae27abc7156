package lanchat.it.interop;

import static lanchat.it.process.AppNode.shortId;
import static lanchat.it.process.AppNode.unsigned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import lanchat.it.interop.InteropPeer.Kind;
import lanchat.it.process.AppNode;
import lanchat.it.process.ProcessNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A go or js reference chat peer (plain {@code /chat/1.x}: no room protocol, no signatures) in a LAN Chat room, all
 * real processes on 127.0.0.1 (issue 14): P dials A; B is connected to A only. The plain peer still chats both ways
 * with A (A's line typed right after the connection opens is held until A knows P speaks no room protocol, then sent
 * as a chat line); A shows P's lines marked unsigned, B gets them relayed by A, marked so; B's lines reach P through
 * A as {@code bob: text} (scenario 7, "ours reach them"), P's own line never comes back to it; every line once
 * everywhere.
 */
@Timeout(120)
class PlainPeersInRoomIT {
    static final Duration WAIT = Duration.ofSeconds(20);

    static Path mods;
    private final List<ProcessNode> processes = new ArrayList<>();

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-plain-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() {
        processes.forEach(ProcessNode::kill);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void aPlainPeerChatsBothWaysAndItsLinesAreShownUnsignedOnceEverywhere(Kind kind) throws Exception {
        InteropPeer.requireBuilt(kind);
        AppNode a = java("A", "--nick", "alice");
        InteropPeer p = InteropPeer.launch(kind, "P", "-dial", a.address);
        processes.add(p);
        p.awaitStarted();
        AppNode b = java("B", "--nick", "bob", "--peer", a.address);
        p.awaitLine(0, ("CONNECTED " + a.peerId)::equals, WAIT, "CONNECTED " + a.peerId);
        a.awaitLine("✓ connected to " + p.peerId, WAIT);
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        b.awaitLine("✓ connected to " + a.peerId, WAIT);

        // ours reach the plain peer as chat lines, and LAN Chat peers as signed room messages
        a.type("alice right after connecting");
        p.awaitLine(0, ("RECV " + a.peerId + " alice right after connecting")::equals, WAIT, "A's line at the plain peer");
        b.awaitLine("alice: alice right after connecting", WAIT);

        // the plain peer's line: unsigned at A, relayed by A (and marked so) at B
        String fromP = "plain " + kind + " says hi ✓";
        p.type(fromP);
        a.awaitLine(unsigned(p.peerId) + fromP, WAIT);
        b.awaitLine(shortId(p.peerId) + " (relayed by alice, unsigned): " + fromP, WAIT);

        // B's signed line reaches A; A's second line reaches P and B
        b.type("bob to the room");
        a.awaitLine("bob: bob to the room", WAIT);
        // ... and reaches the plain peer through A (P is connected to A only), as the go/js chat shows a line: nick: text
        p.awaitLine(0, ("RECV " + a.peerId + " bob: bob to the room")::equals, WAIT, "B's line at the plain peer, forwarded by A");
        a.type("alice again");
        p.awaitLine(0, ("RECV " + a.peerId + " alice again")::equals, WAIT, "A's second line at the plain peer");
        b.awaitLine("alice: alice again", WAIT);

        Thread.sleep(1500); // a second copy would arrive right behind the first
        assertEquals(1, count(a, l -> l.endsWith(": " + fromP)), "A shows P's line once\n" + a.describe());
        assertEquals(1, count(b, l -> l.endsWith(": " + fromP)), "B shows P's line once\n" + b.describe());
        assertEquals(1, count(b, "alice: alice right after connecting"::equals), "B: A's first line once\n" + b.describe());
        assertEquals(1, count(p, ("RECV " + a.peerId + " alice right after connecting")::equals), "P: A's first line once\n" + p.describe());
        assertEquals(1, count(p, ("RECV " + a.peerId + " alice again")::equals), "P: A's second line once\n" + p.describe());
        assertEquals(1, count(p, ("RECV " + a.peerId + " bob: bob to the room")::equals), "P: B's line once\n" + p.describe());
        assertEquals(0, count(p, l -> l.startsWith("RECV") && l.contains(fromP)), "P's own line never comes back to it\n" + p.describe());
        assertTrue(b.lines().stream().noneMatch(l -> l.startsWith("✓ connected to " + p.peerId)), "B is not connected to P: the line was relayed");

        // /peers tells the plain peer from the room member
        int peersMark = a.mark();
        a.type("/peers");
        a.awaitLine(peersMark, l -> l.contains(p.peerId) && l.endsWith("plain peer (unsigned)"), WAIT, "A's /peers row of P, plain");
        a.awaitLine(peersMark, l -> l.contains(b.peerId) && l.endsWith("room member (signed)"), WAIT, "A's /peers row of B, a room member");

        // kept in history, marked unsigned there too
        int mark = b.mark();
        b.type("/search says hi");
        b.awaitLine(mark, (shortId(p.peerId) + " (relayed by alice, unsigned): " + fromP)::equals, WAIT, "P's line in B's history");
    }

    private AppNode java(String name, String... flags) throws IOException {
        AppNode n = AppNode.launch(name, mods, "libp2p", flags);
        processes.add(n);
        return n.awaitStarted();
    }

    private static long count(ProcessNode n, java.util.function.Predicate<String> match) {
        return n.lines().stream().filter(match).count();
    }
}
