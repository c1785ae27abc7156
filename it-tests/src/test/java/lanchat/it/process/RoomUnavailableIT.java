package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * A node whose room log cannot open at all (issue 14), in real processes on 127.0.0.1: xerial's SQLite driver is
 * pointed at a directory that does not exist for its native library ({@code -Dorg.sqlite.tmpdir=…}, the driver's own
 * setting; nothing in the product is changed for the test), so neither a history file nor an in-memory store opens.
 * Such a node still chats: with the peer it dialed and with the peer that dialed it, both ways, in plain lines (its
 * peers were told it has no room log instead of having their room channel reset and posting into it unheard), and
 * their {@code /peers} calls it a plain peer.
 */
@Timeout(120)
class RoomUnavailableIT {
    static final Duration WAIT = Duration.ofSeconds(20);

    static Path mods;
    private final List<AppNode> nodes = new ArrayList<>();
    private Path dir;

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-unavailable-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() throws IOException {
        for (AppNode n : nodes) n.kill();
        if (Boolean.getBoolean("it.room.dump")) nodes.forEach(n -> System.out.println("[unavailable] " + n.name + ":\n" + n.describe()));
        AppNode.deleteTree(dir);
    }

    @Test
    void aNodeWithoutARoomLogChatsInPlainLinesWithThePeerItDialedAndThePeerThatDialedIt() throws Exception {
        dir = Files.createTempDirectory("lanchat-it-unavailable-");
        Path missing = dir.resolve("no-such-dir"); // never created: the driver cannot extract its native library
        AppNode carol = start("C", List.of(), "--nick", "carol");
        AppNode broken = start("X", List.of("-Dorg.sqlite.tmpdir=" + missing), "--nick", "xavier", "--peer", carol.address);
        AppNode bob = start("B", List.of(), "--nick", "bob", "--peer", broken.address);
        broken.awaitStderr(l -> l.contains("room log unavailable") && l.contains("plain lines"), WAIT, "the broken node's one line about its room log");
        for (AppNode n : List.of(bob, carol)) {
            n.awaitLine("✓ connected to " + broken.peerId, WAIT);
            broken.awaitLine("✓ connected to " + n.peerId, WAIT);
        }

        // the peer that dialed it (bob) and the one it dialed (carol) are heard, and hear it
        bob.type("bob to xavier");
        broken.awaitLine(0, l -> l.endsWith(": bob to xavier") && l.startsWith("bob"), WAIT, "bob's line at the broken node");
        carol.type("carol to xavier");
        broken.awaitLine(0, l -> l.endsWith(": carol to xavier") && l.startsWith("carol"), WAIT, "carol's line at the broken node");
        broken.type("xavier to both");
        for (AppNode n : List.of(bob, carol)) {
            n.awaitLine(0, l -> l.startsWith("xavier") && l.contains("unsigned") && l.endsWith(": xavier to both"), WAIT, n.name + ": the broken node's line, unsigned");
            n.awaitStderr(l -> l.contains("has no room log"), WAIT, n.name + ": one line that the peer has no room log");
        }

        // /peers: a plain peer to both
        for (AppNode n : List.of(bob, carol)) {
            int mark = n.mark();
            n.type("/peers");
            n.awaitLine(mark, l -> l.contains(broken.peerId) && l.endsWith("plain peer (unsigned)"), WAIT, n.name + "'s /peers row of the broken node");
        }
        Thread.sleep(1000); // a second copy would come right behind the first
        assertEquals(1, broken.lines().stream().filter(l -> l.endsWith(": bob to xavier")).count(), "once\n" + broken.describe());
        assertEquals(1, broken.lines().stream().filter(l -> l.endsWith(": carol to xavier")).count(), "once\n" + broken.describe());

        for (AppNode n : nodes) n.quit();
        for (AppNode n : nodes) n.assertExitedCleanly();
    }

    private AppNode start(String name, List<String> jvm, String... flags) throws IOException {
        AppNode n = AppNode.launch(name, mods, jvm, "libp2p", flags);
        nodes.add(n);
        return n.awaitStarted();
    }
}
