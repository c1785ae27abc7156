package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The room log in real processes (issue 14): {@code java -p mods -m lanchat.app} nodes on 127.0.0.1 in a partial
 * mesh, A - B - C (A and C are each given only B with {@code --peer}; no mDNS, so they never connect), plus a late
 * joiner D at C. One scenario, so that the JVM starts are paid once:
 * <ol>
 *   <li>relay: A's and C's lines reach each other through B;</li>
 *   <li>catch-up: A (with {@code --identity} and {@code --data}) quits, B and C keep typing, A restarts with the same
 *       identity and data and shows what was said meanwhile as one block, in room order: the same order every node's
 *       {@code /history} has;</li>
 *   <li>history: A's {@code /history} after the restart holds the lines from before it, and nothing is shown twice;</li>
 *   <li>late joiner: D gets the room's history as one block, in that order;</li>
 *   <li>exactly once: every node shows every line once.</li>
 * </ol>
 */
@Timeout(180)
class RoomHistoryIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String TRANSPORT = "libp2p";

    static Path mods;
    private final List<AppNode> nodes = new ArrayList<>();
    private Path dir;

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-room-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() throws IOException {
        for (AppNode n : nodes) n.kill();
        // -Dit.room.dump=true: every node's stdout and stderr, also for a passing run
        if (Boolean.getBoolean("it.room.dump")) nodes.forEach(n -> System.out.println("[room] " + n.name + ":\n" + n.describe()));
        AppNode.deleteTree(dir);
    }

    @Test
    void aNodeThatWasAwayCatchesUpInRoomOrderAndALateJoinerGetsTheHistoryThroughARelay() throws Exception {
        dir = Files.createTempDirectory("lanchat-it-room-");
        String[] aFlags = {"--nick", "alice", "--identity", dir.resolve("alice.key").toString(), "--data", dir.resolve("data").toString()};
        AppNode b = start("B", "--nick", "bob");
        AppNode a = start("A", concat(aFlags, "--peer", b.address));
        AppNode c = start("C", "--nick", "carol", "--peer", b.address);
        connected(a, b);
        connected(c, b);

        // relay: A and C are not connected, B forwards
        a.type("a1 before the break");
        c.awaitLine("alice: a1 before the break", WAIT);
        c.type("c1 before the break");
        a.awaitLine("carol: c1 before the break", WAIT);
        b.awaitLine("carol: c1 before the break", WAIT);
        assertTrue(a.lines().stream().noneMatch(l -> l.contains("connected to " + c.peerId)), "A and C must not connect directly\n" + a.describe());

        // A goes away; B and C keep talking
        a.quit();
        a.assertExitedCleanly();
        List<String> meanwhile = List.of("bob: b1 while alice is away", "carol: c2 while alice is away", "bob: b2 while alice is away", "carol: c3 while alice is away");
        for (String line : meanwhile) {
            AppNode from = line.startsWith("bob") ? b : c, to = from == b ? c : b;
            from.type(line.substring(line.indexOf(": ") + 2));
            to.awaitLine(line, WAIT);
        }

        // A comes back with the same identity and data: one block of what it missed, nothing it had seen
        AppNode a2 = start("A2", concat(aFlags, "--peer", b.address));
        String headerLine = a2.awaitLine(0, "— 4 messages while you were away —"::equals, WAIT, "the catch-up header");
        int header = a2.lines().indexOf(headerLine);
        a2.awaitLine(header, l -> l.startsWith("carol: c3"), WAIT, "the end of the block");
        List<String> block = chatLines(a2, header + 1).subList(0, 4);
        assertEquals(sorted(meanwhile), sorted(block), "the block holds what was said meanwhile\n" + a2.describe());

        // late joiner at C: the whole history, one block
        AppNode d = start("D", "--nick", "dave", "--peer", c.address);
        d.awaitLine("— 6 messages while you were away —", WAIT);
        d.awaitLine(0, l -> l.startsWith("carol: c3"), WAIT, "the end of D's block");

        // exactly once everywhere (before /history prints the lines again)
        a2.type("a2 after the restart");
        for (AppNode n : List.of(b, c, d)) n.awaitLine("alice: a2 after the restart", WAIT);
        Thread.sleep(1000); // a duplicate would come right behind the first copy
        List<String> all = new ArrayList<>(List.of("alice: a1 before the break", "carol: c1 before the break"));
        all.addAll(meanwhile);
        all.add("alice: a2 after the restart");
        for (AppNode n : List.of(b, c, d)) for (String line : all) if (!line.startsWith(nick(n))) assertEquals(1, count(n, line), n.name + " shows '" + line + "' once\n" + n.describe());
        for (String line : meanwhile) assertEquals(1, count(a2, line), "A2 shows '" + line + "' once\n" + a2.describe());
        assertEquals(0, count(a2, "carol: c1 before the break"), "A2 does not show again what A had shown\n" + a2.describe());

        // one order: A2's block and D's block are the room order that every /history shows
        List<String> room = history(b, 7);
        assertEquals(all.stream().sorted().toList(), room.stream().sorted().toList(), "B's history\n" + b.describe());
        for (AppNode n : List.of(c, a2, d)) assertEquals(room, history(n, 7), n.name + "'s history in room order\n" + n.describe());
        assertEquals(room.subList(2, 6), block, "A2's catch-up block in room order");
        int dHeader = d.lines().indexOf("— 6 messages while you were away —");
        assertEquals(room.subList(0, 6), chatLines(d, dHeader + 1).subList(0, 6), "D's block in room order");

        for (AppNode n : List.of(a2, b, c, d)) n.quit();
        for (AppNode n : List.of(a2, b, c, d)) n.assertExitedCleanly();
    }

    // ---- helpers ----

    private AppNode start(String name, String... flags) throws IOException {
        AppNode n = AppNode.launch(name, mods, TRANSPORT, flags);
        nodes.add(n);
        return n.awaitStarted();
    }

    private static void connected(AppNode x, AppNode y) {
        x.awaitLine("✓ connected to " + y.peerId, WAIT);
        y.awaitLine("✓ connected to " + x.peerId, WAIT);
    }

    /** {@code /history n}: the lines it printed after its {@code * the last n lines:} header. */
    private static List<String> history(AppNode n, int count) {
        int mark = n.mark();
        n.type("/history " + count);
        String headerLine = n.awaitLine(mark, ("* the last " + count + " lines:")::equals, WAIT, "the /history header");
        int at = n.lines().subList(mark, n.mark()).indexOf(headerLine) + mark;
        // the lines follow their header at once: wait (bounded) for the reader thread to have them all
        n.awaitLine(at, l -> n.lines().size() >= at + 1 + count, WAIT, count + " history lines");
        return n.lines().subList(at + 1, at + 1 + count);
    }

    /** Chat lines (not status lines) from index {@code from}. */
    private static List<String> chatLines(AppNode n, int from) {
        return n.lines().subList(from, n.lines().size()).stream().filter(l -> !l.startsWith("* ") && !l.startsWith("✓") && !l.startsWith("✗") && !l.startsWith("—")).toList();
    }

    private static long count(AppNode n, String line) {
        return n.lines().stream().filter(line::equals).count();
    }

    private static String nick(AppNode n) {
        return switch (n.name) {
            case "B" -> "bob:";
            case "C" -> "carol:";
            case "D" -> "dave:";
            default -> "alice:";
        };
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().toList();
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
