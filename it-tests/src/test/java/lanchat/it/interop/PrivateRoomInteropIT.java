package lanchat.it.interop;

import static lanchat.it.process.AppNode.shortId;
import static lanchat.it.process.AppNode.unsigned;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
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
 * Private rooms (issue 15) against go-libp2p ({@code libp2p.PrivateNetwork}) and js-libp2p ({@code @libp2p/pnet}):
 * the reference peers of {@code interop/} with {@code -psk FILE} and LAN Chat with {@code --room-key FILE}, real
 * processes on 127.0.0.1. The same swarm key file: they chat, whoever dials. Another key: nobody connects, LAN Chat
 * says so in plain words, and every process keeps running.
 */
@Timeout(120)
class PrivateRoomInteropIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String OUTCOME = "is not in this private room (different room key)";

    static Path mods;
    static Path keys;
    static Path roomKey;
    static Path otherKey;
    private final List<ProcessNode> processes = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-pnet-mods-");
        keys = Files.createTempDirectory("lanchat-it-pnet-keys-");
        roomKey = swarmKey(keys.resolve("room.key"));
        otherKey = swarmKey(keys.resolve("other.key"));
    }

    /** A random key in the swarm key format every libp2p stack reads (lower-case base16). */
    static Path swarmKey(Path file) throws IOException {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Files.writeString(file, "/key/swarm/psk/1.0.0/\n/base16/\n" + HexFormat.of().formatHex(key) + "\n", StandardCharsets.US_ASCII);
    }

    @AfterAll
    static void tearDown() throws IOException {
        AppNode.deleteTree(mods);
        AppNode.deleteTree(keys);
    }

    @AfterEach
    void killAll() {
        processes.forEach(ProcessNode::kill);
        if (Boolean.getBoolean("it.interop.dump")) processes.forEach(p -> System.out.println("[interop] " + p.name + ":\n" + p.describe()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void javaDialsAPeerWithTheSameKeyAndTheyChat(Kind kind) throws Exception {
        InteropPeer peer = peer(kind, "P", "-psk", roomKey.toString());
        AppNode java = java("J", "--room-key", roomKey.toString(), "--peer", peer.address);
        awaitConnected(java, peer);
        chatBothWays(java, peer);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void aPeerWithTheSameKeyDialsJavaAndTheyChat(Kind kind) throws Exception {
        AppNode java = java("J", "--room-key", roomKey.toString());
        InteropPeer peer = peer(kind, "P", "-psk", roomKey.toString(), "-dial", java.address);
        awaitConnected(java, peer);
        chatBothWays(java, peer);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void anotherKeyNeverConnectsAndEveryoneKeepsRunning(Kind kind) throws Exception {
        InteropPeer peer = peer(kind, "P", "-psk", otherKey.toString());
        AppNode java = java("J", "--room-key", roomKey.toString(), "--peer", peer.address);
        // Java dials: the plain line, for the peer it dialed
        java.awaitLine(0, l -> l.startsWith("* " + shortId(peer.peerId) + " " + OUTCOME), WAIT, "'" + shortId(peer.peerId) + " " + OUTCOME + "'");
        // the peer dials: Java names the address that tried
        InteropPeer dialer = peer(kind, "D", "-psk", otherKey.toString(), "-dial", java.address);
        java.awaitStderr(l -> l.contains("127.0.0.1:") && l.endsWith(OUTCOME), WAIT, "'/127.0.0.1:… " + OUTCOME + "' on stderr");
        Thread.sleep(1000); // long enough for a connection that got through to show up
        for (InteropPeer p : List.of(peer, dialer)) {
            assertFalse(p.lines().contains("CONNECTED " + java.peerId), p.name + " connected with another key\n" + p.describe());
            assertTrue(p.process.isAlive(), p.name + " stopped\n" + p.describe());
        }
        assertFalse(java.lines().stream().anyMatch(l -> l.startsWith("✓ connected")), "Java connected with another key\n" + java.describe());
        assertTrue(java.process.isAlive(), "Java stopped\n" + java.describe());
        assertFalse(String.join("\n", java.stderrLines()).contains("Exception"), "no stack trace\n" + java.describe());
        // and Java still works: a peer with the right key is welcome
        InteropPeer friend = peer(kind, "F", "-psk", roomKey.toString(), "-dial", java.address);
        awaitConnected(java, friend);
        chatBothWays(java, friend);
    }

    private InteropPeer peer(Kind kind, String name, String... flags) throws IOException {
        InteropPeer.requireBuilt(kind);
        InteropPeer p = InteropPeer.launch(kind, kind + "-" + name, flags);
        processes.add(p);
        return p.awaitStarted();
    }

    private AppNode java(String name, String... extra) throws IOException {
        AppNode n = AppNode.launch(name, mods, "libp2p", extra);
        processes.add(n);
        return n.awaitStarted();
    }

    private static void awaitConnected(AppNode java, InteropPeer peer) {
        peer.awaitLine(0, ("CONNECTED " + java.peerId)::equals, WAIT, "CONNECTED " + java.peerId);
        java.awaitLine(0, ("✓ connected to " + peer.peerId)::equals, WAIT, "'✓ connected to " + peer.peerId + "'");
    }

    private static void chatBothWays(AppNode java, InteropPeer peer) {
        int pm = peer.mark();
        java.type("secret plans from Java");
        peer.awaitLine(pm, ("RECV " + java.peerId + " secret plans from Java")::equals, WAIT, "Java's line");
        int jm = java.mark();
        peer.type("secret plans from " + peer.kind);
        java.awaitLine(jm, (AppNode.unsigned(peer.peerId) + "secret plans from " + peer.kind)::equals, WAIT, "the peer's line (a plain peer: unsigned)");
    }
}
