package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Private rooms (issue 15) with real LAN Chat processes on 127.0.0.1, over both transports: two nodes with the same
 * passphrase chat; a node with another passphrase, and one with none, never connect, are told so in plain words (as
 * is the node they tried), and keep running. Also the one-line exit-2 errors for bad key material, and
 * {@code --gen-room-key}.
 */
@Timeout(180)
class PrivateRoomProcessIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String OUTCOME = "is not in this private room (different room key)";

    static Path mods;
    static Path dir;
    private final List<AppNode> nodes = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-pnet-process-mods-");
        dir = Files.createTempDirectory("lanchat-it-pnet-process-");
        Files.writeString(dir.resolve("secret"), "correct horse battery staple\n");
        Files.writeString(dir.resolve("other-secret"), "correct horse battery stable\n");
    }

    @AfterAll
    static void tearDown() throws IOException {
        AppNode.deleteTree(mods);
        AppNode.deleteTree(dir);
    }

    @AfterEach
    void killAll() {
        nodes.forEach(AppNode::kill);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"netty", "libp2p"})
    void sameSecretChatsOtherSecretAndNoSecretAreRefusedAndKeepRunning(String transport) throws Exception {
        String secret = dir.resolve("secret").toString();
        AppNode a = start("A", transport, "--secret-file", secret);
        AppNode b = start("B", transport, "--secret-file", secret, "--peer", a.address);
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        b.awaitLine("✓ connected to " + a.peerId, WAIT);
        String fingerprint = fingerprint(a);
        assertEquals(fingerprint, fingerprint(b), "the same secret, the same key");

        AppNode c = start("C", transport, "--secret-file", dir.resolve("other-secret").toString(), "--peer", a.address);
        assertNotEquals(fingerprint, fingerprint(c), "another secret, another fingerprint");
        c.awaitLine(0, l -> l.startsWith("* " + AppNode.shortId(a.peerId) + " " + OUTCOME), WAIT, "'" + AppNode.shortId(a.peerId) + " " + OUTCOME + "'");
        a.awaitStderr(l -> l.contains("127.0.0.1:") && l.endsWith(OUTCOME), WAIT, "'/127.0.0.1:… " + OUTCOME + "'");

        AppNode d = start("D", transport, "--peer", a.address); // an open-room node: it only sees a failed handshake
        d.awaitLine(0, l -> l.startsWith("* cannot reach " + AppNode.shortId(a.peerId)), WAIT, "D's failed dial");

        // the members still chat; the outsiders were never connected, and everyone is still running
        a.type("for members only");
        b.awaitLine(AppNode.shortId(a.peerId) + ": for members only", WAIT);
        b.type("agreed");
        a.awaitLine(AppNode.shortId(b.peerId) + ": agreed", WAIT);
        for (AppNode outsider : List.of(c, d)) {
            assertTrue(outsider.process.isAlive(), outsider.name + " stopped\n" + outsider.describe());
            assertFalse(outsider.lines().stream().anyMatch(l -> l.startsWith("✓ connected") || l.contains("for members only")),
                    outsider.name + " got in\n" + outsider.describe());
        }
        for (AppNode n : List.of(a, b, c, d)) {
            n.terminate();
            n.assertExitedCleanly(); // exit 0, no stack trace
        }
    }

    @Test
    void badKeyMaterialIsOneLineAndExitCode2() throws Exception {
        Path shortKey = Files.writeString(dir.resolve("short.key"), "/key/swarm/psk/1.0.0/\n/base16/\n0011\n");
        Path badHex = Files.writeString(dir.resolve("badhex.key"), "/key/swarm/psk/1.0.0/\n/base16/\n" + "zz".repeat(32) + "\n");
        Path header = Files.writeString(dir.resolve("header.key"), "/key/swarm/psk/9.9.9/\n/base16/\n" + "00".repeat(32) + "\n");
        Path huge = Files.write(dir.resolve("huge.key"), new byte[1 << 20]);
        Path empty = Files.writeString(dir.resolve("empty-secret"), "\n");
        assertUsageError("--room-key", shortKey.toString());
        assertUsageError("--room-key", badHex.toString());
        assertUsageError("--room-key", header.toString());
        assertUsageError("--room-key", huge.toString());
        assertUsageError("--room-key", dir.resolve("missing.key").toString());
        assertUsageError("--secret-file", empty.toString());
        assertUsageError("--secret-file", empty.toString(), "--room-key", shortKey.toString());
    }

    @Test
    void genRoomKeyWritesAPrivateFileOnceAndTheKeyWorks() throws Exception {
        Path key = dir.resolve("generated.key");
        Process p = run("--gen-room-key", key.toString());
        assertEquals(0, p.exitValue(), output(p));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(Files.readString(key).matches("/key/swarm/psk/1\\.0\\.0/\n/base16/\n[0-9a-f]{64}\n"), "swarm key format");
        byte[] before = Files.readAllBytes(key);
        assertUsageError("--gen-room-key", key.toString());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(key)), "never overwritten");

        AppNode a = start("A", "libp2p", "--room-key", key.toString());
        AppNode b = start("B", "libp2p", "--room-key", key.toString(), "--peer", a.address);
        b.awaitLine("✓ connected to " + a.peerId, WAIT);
        assertEquals(fingerprint(a), fingerprint(b));
    }

    private static String fingerprint(AppNode n) {
        String line = n.awaitLine(0, l -> l.startsWith("The room is private: key fingerprint "), WAIT, "the fingerprint line");
        return line.substring("The room is private: key fingerprint ".length()).split(" ")[0];
    }

    private AppNode start(String name, String transport, String... extra) throws IOException {
        AppNode n = AppNode.launch(name, mods, transport, extra);
        nodes.add(n);
        return n.awaitStarted();
    }

    private static Process run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-p", mods.toString(), "-m", "lanchat.app"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "lanchat " + String.join(" ", args) + " did not exit");
        return p;
    }

    private static String output(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void assertUsageError(String... args) throws Exception {
        Process p = run(args);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String what = "lanchat " + String.join(" ", args) + ": " + err;
        assertEquals(2, p.exitValue(), what);
        assertEquals(1, err.strip().lines().count(), "one line: " + what);
        assertTrue(err.startsWith("lanchat: "), what);
        assertFalse(err.contains("zz") || err.contains("0011"), "the key material is not repeated: " + what);
    }
}
