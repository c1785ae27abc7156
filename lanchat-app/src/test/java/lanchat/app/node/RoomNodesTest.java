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
import lanchat.api.spi.Plugins;
import lanchat.app.tui.ChatShell;
import lanchat.app.tui.RecordingConsole;
import lanchat.room.RoomConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The room log in the app (issue 14): real {@link ChatNode}s on the netty transport over 127.0.0.1, with the app's
 * shell on recording consoles. What is shown, how often, in which order; every wait bounded.
 */
@Timeout(120)
class RoomNodesTest {
    static final Duration WAIT = Duration.ofSeconds(15);
    static final Multiaddr LOOPBACK_ANY_PORT = Multiaddr.parse("/ip4/127.0.0.1/tcp/0");

    @TempDir
    Path dir;
    private final List<Node> started = new ArrayList<>();

    final class Node {
        final Identity identity;
        final RecordingConsole console = new RecordingConsole();
        final ChatShell shell = new ChatShell(console, () -> { });
        final ChatNode node;
        final List<Multiaddr> addresses;

        Node(Identity identity, String nick, ChatNode.History history, Multiaddr... peers) throws Exception {
            this.identity = identity;
            node = new ChatNode(new ChatNode.Setup(identity, Plugins.installed().transport("netty"), Optional.empty(), Optional.empty(), nick, Map.of(),
                    TwoNodesTest.FAST), shell, history);
            shell.attach(node);
            started.add(this);
            addresses = node.start(LOOPBACK_ANY_PORT, List.of(peers));
        }

        PeerId id() { return identity.peerId(); }

        Multiaddr address() { return addresses.get(0); }

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

    private static void connected(Node a, Node b) {
        a.await(0, "✓ connected to " + b.id());
        b.await(0, "✓ connected to " + a.id());
    }

    /**
     * A late joiner gets what was said before it came as one block in room order, and A and C, which never connect,
     * talk through B (relay); every line is shown once on every node.
     */
    @Test
    void aLateJoinerGetsTheHistoryAsOneBlockAndARelayCarriesLinesBothWays() throws Exception {
        Node a = new Node(Identity.generate(), "alice", ChatNode.History.IN_MEMORY);
        Node b = new Node(Identity.generate(), "bob", ChatNode.History.IN_MEMORY, a.address());
        connected(a, b);
        a.shell.onLine("one");
        b.await(0, "alice: one");
        b.shell.onLine("two");
        a.await(0, "bob: two");
        a.shell.onLine("three");
        b.await(0, "alice: three");

        Node c = new Node(Identity.generate(), "carol", ChatNode.History.IN_MEMORY, b.address());
        connected(b, c);
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

    /** With a data directory a restart with the same identity shows where the conversation was, and shows nothing again. */
    @Test
    void aRestartWithTheSameIdentityKeepsTheHistoryAndShowsNothingTwice() throws Exception {
        Identity id = Identity.generate();
        ChatNode.History onDisk = new ChatNode.History(Optional.of(dir), RoomConfig.DEFAULT_HISTORY_LIMIT, RoomConfig.DEFAULT_HISTORY_AGE);
        Node b = new Node(Identity.generate(), "bob", ChatNode.History.IN_MEMORY);
        Node a = new Node(id, "alice", onDisk, b.address());
        connected(a, b);
        b.shell.onLine("before the restart");
        a.await(0, "bob: before the restart");
        a.shell.onLine("me too");
        b.await(0, "alice: me too");
        a.close();
        assertTrue(Files.isRegularFile(dir.resolve(id.peerId().toString()).resolve("history.db")));

        int markB = b.console.mark();
        b.shell.onLine("while alice was away");
        Node a2 = new Node(id, "alice", onDisk, b.address());
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
