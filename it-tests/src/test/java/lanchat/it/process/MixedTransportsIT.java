package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14, scenario 4, in real processes ({@code java -p mods -m lanchat.app} on 127.0.0.1): A runs
 * {@code --transport netty}, C {@code --transport libp2p}, B {@code --transport libp2p,netty}. A dials B's netty
 * address as B printed it ({@code netty:/ip4/…}), C B's libp2p one; A and C speak no common transport, so every line
 * between them goes through B's one room log. Each line shows up exactly once, as a signed room message (its
 * author's nick, not an {@code (unsigned)} or {@code relayed by} line).
 */
@Timeout(180)
class MixedTransportsIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Pattern NETTY_LISTENING = Pattern.compile("Listening on (netty:/ip4/127\\.0\\.0\\.1/tcp/(\\d+)/p2p/(\\w+))");

    static Path mods;
    private final List<AppNode> nodes = new ArrayList<>();

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-mixed-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() {
        for (AppNode n : nodes) n.kill();
    }

    @Test
    void aNettyNodeAndALibp2pNodeChatThroughADualTransportNodeExactlyOnce() throws Exception {
        AppNode b = start("B", "libp2p,netty", "--nick", "bob");
        Matcher netty = NETTY_LISTENING.matcher(b.awaitLine(0, l -> NETTY_LISTENING.matcher(l).matches(), WAIT, "B's 'Listening on netty:/ip4/…' line"));
        assertTrue(netty.matches());
        assertEquals(b.peerId, netty.group(3), "one identity on both transports");
        assertTrue(!b.address.contains("/tcp/" + netty.group(2) + "/"), "one port per transport: " + b.address + ", " + netty.group(1));

        AppNode a = start("A", "netty", "--nick", "alice", "--peer", netty.group(1));
        AppNode c = start("C", "libp2p", "--nick", "carol", "--peer", b.address);
        connected(a, b);
        connected(c, b);

        a.type("hello carol, from netty");
        c.awaitLine("alice: hello carol, from netty", WAIT);
        c.type("hello alice, from libp2p");
        a.awaitLine("carol: hello alice, from libp2p", WAIT);
        b.type("bob on both");
        a.awaitLine("bob: bob on both", WAIT);
        c.awaitLine("bob: bob on both", WAIT);
        b.awaitLine("carol: hello alice, from libp2p", WAIT);

        Thread.sleep(1000); // a duplicate would come right behind the first copy
        assertEquals(1, count(c, "alice: hello carol, from netty"), "C shows A's line once\n" + c.describe());
        assertEquals(1, count(b, "alice: hello carol, from netty"), "B shows A's line once\n" + b.describe());
        assertEquals(1, count(a, "carol: hello alice, from libp2p"), "A shows C's line once\n" + a.describe());
        assertEquals(1, count(b, "carol: hello alice, from libp2p"), "B shows C's line once\n" + b.describe());
        for (AppNode n : List.of(a, b, c)) {
            assertTrue(n.lines().stream().noneMatch(l -> l.contains("unsigned") || l.contains("relayed by")), n.name + " shows a line as unsigned\n" + n.describe());
        }
        assertTrue(a.lines().stream().noneMatch(l -> l.contains("connected to " + c.peerId)), "A and C cannot connect directly\n" + a.describe());

        // /peers on B: one session per neighbour, each on its own transport
        int mark = b.mark();
        b.type("/peers");
        b.awaitLine(mark, l -> l.contains(a.peerId) && l.contains("netty"), WAIT, "A on netty in B's /peers");
        b.awaitLine(mark, l -> l.contains(c.peerId) && l.contains("libp2p"), WAIT, "C on libp2p in B's /peers");

        for (AppNode n : List.of(a, b, c)) n.quit();
        for (AppNode n : List.of(a, b, c)) n.assertExitedCleanly();
    }

    private AppNode start(String name, String transport, String... flags) throws IOException {
        AppNode n = AppNode.launch(name, mods, transport, flags);
        nodes.add(n);
        return n.awaitStarted();
    }

    private static void connected(AppNode x, AppNode y) {
        x.awaitLine("✓ connected to " + y.peerId, WAIT);
        y.awaitLine("✓ connected to " + x.peerId, WAIT);
    }

    private static long count(AppNode n, String line) {
        return n.lines().stream().filter(line::equals).count();
    }
}
