package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import lanchat.room.wire.SignedMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14, scenario 6 (forgery), over real sockets: three node processes in a chain, alice - bob - carol (each given
 * the next with {@code --peer}, no mDNS), and a {@link RoomTestPeer} "mallory" connected to alice only. Mallory speaks
 * the room protocol with the project's own codecs and relays to alice, each twice:
 * <ol>
 *   <li>a message of her own whose text was changed after signing;</li>
 *   <li>a line of bob's (as alice relayed it to her) whose text was changed: his seq, his key, a body he never signed;</li>
 *   <li>a second, validly signed message reusing an author+seq the room holds (hers: only the author can sign it).</li>
 * </ol>
 * Then on every real process: no forged text is ever shown (not at alice, not at bob or carol, so it was never relayed
 * either), alice logs each kind of forgery once (one line for the bad signatures, one for the equivocation, however
 * many copies came), bob and carol log nothing of it, and the room keeps working: a line of bob's and a further honest
 * line of mallory's arrive at every member exactly once (mallory's channel was not reset for a few bad frames).
 */
@Timeout(180)
class RoomForgeryIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String ROOM = "(direct)"; // the room of nodes given --peer only

    static Path mods;
    private final List<AppNode> nodes = new ArrayList<>();
    private RoomTestPeer mallory;

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-forgery-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() {
        if (mallory != null) mallory.close();
        for (AppNode n : nodes) n.kill();
        if (Boolean.getBoolean("it.room.dump")) nodes.forEach(n -> System.out.println("[forgery] " + n.name + ":\n" + n.describe()));
    }

    @Test
    void forgedAndEquivocatingMessagesAreDroppedEverywhereLoggedOnceAndTheRoomKeepsWorking() throws Exception {
        String nonce = UUID.randomUUID().toString().substring(0, 8);
        AppNode carol = start("C", "--nick", "carol");
        AppNode bob = start("B", "--nick", "bob", "--peer", carol.address);
        AppNode alice = start("A", "--nick", "alice", "--peer", bob.address);
        connected(alice, bob);
        connected(bob, carol);
        List<AppNode> members = List.of(alice, bob, carol);

        mallory = new RoomTestPeer(ROOM, "mallory");
        mallory.connect(alice.address);
        alice.awaitLine("✓ connected to " + mallory.peerId(), WAIT);

        // an honest line first: mallory is a member like any other
        String hello = "mallory says hello " + nonce;
        mallory.post(mallory.sign(1, hello));
        for (AppNode n : members) n.awaitLine("mallory: " + hello, WAIT);

        // a line of bob's, relayed to mallory by alice: the original of the second forgery
        String bobs = "bob before the forgeries " + nonce;
        bob.type(bobs);
        SignedMessage bobLine = mallory.awaitMessage(m -> m.body().text().equals(bobs), "bob's line");
        for (AppNode n : List.of(alice, carol)) n.awaitLine("bob: " + bobs, WAIT);

        // 1 + 2: texts changed after signing, each sent twice
        String tamperedOwn = "TAMPERED own " + nonce, tamperedBobs = "TAMPERED bob " + nonce;
        byte[] own = RoomTestPeer.withText(mallory.sign(2, "mallory's real words " + nonce), tamperedOwn);
        byte[] bobForged = RoomTestPeer.withText(bobLine, tamperedBobs);
        mallory.sendLive(own);
        mallory.sendLive(own, bobForged);
        mallory.sendLive(bobForged);

        // 3: seq 2, honestly signed and accepted, then another message as seq 2, twice
        String original = "mallory seq two " + nonce, conflicting = "EQUIVOCATION seq two " + nonce;
        mallory.post(mallory.sign(2, original));
        for (AppNode n : members) n.awaitLine("mallory: " + original, WAIT);
        byte[] second = mallory.sign(2, conflicting).envelope();
        mallory.sendLive(second);
        mallory.sendLive(second);
        alice.awaitStderr(l -> l.contains("signed two different messages as seq 2"), WAIT, "alice's equivocation line");

        // the room keeps working: a new line of bob's reaches everyone once, mallory's channel still carries hers
        String after = "bob after the forgeries " + nonce, still = "mallory still here " + nonce;
        bob.type(after);
        mallory.post(mallory.sign(3, still));
        for (AppNode n : List.of(alice, carol)) n.awaitLine("bob: " + after, WAIT);
        for (AppNode n : members) n.awaitLine("mallory: " + still, WAIT);
        mallory.awaitMessage(m -> m.body().text().equals(after), "bob's line after the forgeries");
        Thread.sleep(2000); // a duplicate, or a forged copy relayed late, would come right behind

        for (AppNode n : members) {
            for (String forged : List.of(tamperedOwn, tamperedBobs, conflicting)) {
                assertEquals(0, n.lines().stream().filter(l -> l.contains(forged)).count(), n.name + " must never show '" + forged + "'\n" + n.describe());
            }
            for (String line : List.of("mallory: " + hello, "mallory: " + original, "mallory: " + still)) {
                assertEquals(1, n.lines().stream().filter(line::equals).count(), n.name + " shows '" + line + "' exactly once\n" + n.describe());
            }
        }
        for (AppNode n : List.of(alice, carol)) {
            for (String line : List.of("bob: " + bobs, "bob: " + after)) {
                assertEquals(1, n.lines().stream().filter(line::equals).count(), n.name + " shows '" + line + "' exactly once\n" + n.describe());
            }
        }
        assertEquals(1, mallory.count(m -> m.body().text().equals(after)), "mallory is sent bob's new line once: " + mallory.texts());
        assertTrue(mallory.texts().stream().noneMatch(t -> t.startsWith("TAMPERED") || t.startsWith("EQUIVOCATION")),
                "nothing forged comes back to mallory: " + mallory.texts());
        assertTrue(mallory.channelOpen(), "a few bad frames do not cost mallory her room channel");

        // logged once: one line per kind at alice, whatever the number of copies; nothing at bob or carol
        assertEquals(1, count(alice.stderrLines(), "signature does not verify"), "one line for the bad signatures\n" + alice.describe());
        assertEquals(1, count(alice.stderrLines(), "signed two different messages"), "one line for the equivocation\n" + alice.describe());
        for (AppNode n : List.of(bob, carol)) {
            assertEquals(0, count(n.stderrLines(), "signature does not verify") + count(n.stderrLines(), "signed two different messages"),
                    n.name + " never received a forgery, so it logs none\n" + n.describe());
        }

        for (AppNode n : members) n.quit();
        for (AppNode n : members) n.assertExitedCleanly();
    }

    private AppNode start(String name, String... flags) throws IOException {
        AppNode n = AppNode.launch(name, mods, "libp2p", flags);
        nodes.add(n);
        return n.awaitStarted();
    }

    private static void connected(AppNode x, AppNode y) {
        x.awaitLine("✓ connected to " + y.peerId, WAIT);
        y.awaitLine("✓ connected to " + x.peerId, WAIT);
    }

    private static long count(List<String> lines, String part) {
        return lines.stream().filter(l -> l.contains(part)).count();
    }
}
