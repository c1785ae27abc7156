package lanchat.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TimeZone;

import lanchat.api.Identity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's contract for bad input: exit code 2, exactly one line on stderr, no stack trace. The plugins
 * come from the test class path (the netty transport is a runtime dependency of the app).
 */
@Timeout(60)
class LanChatCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
        List<String> errLines() { return err.lines().toList(); }
    }

    static Result run(String... args) {
        return run(new ByteArrayInputStream(new byte[0]), args);
    }

    static Result run(InputStream in, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LanChatCommand.run(args, in, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Exit code 2, one stderr line starting "lanchat: " that contains every fragment, no stack trace. */
    static String assertUsageError(Result r, String... fragments) {
        String context = "exit " + r.code + ", stderr:\n" + r.err + "\nstdout:\n" + r.out;
        assertEquals(2, r.code, context);
        assertEquals(1, r.errLines().size(), "expected exactly one stderr line; " + context);
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("lanchat: "), context);
        assertFalse(line.matches(".*\\b(java|javax|sun|io\\.netty|picocli)\\.[\\w.]*(Exception|Error)\\b.*"), "a Java exception leaked to the user: " + line);
        for (String f : fragments) assertTrue(line.contains(f), "'" + f + "' missing from: " + line);
        assertFalse(r.out.contains("Listening on"), "the node started: " + context);
        return line;
    }

    // ---- flags ----

    @Test
    void unknownFlag() {
        assertUsageError(run("--frobnicate"), "--frobnicate");
    }

    @Test
    void malformedPeerMultiaddr() {
        assertUsageError(run("--peer", "/ip4/1.2.3/tcp/1"), "--peer", "1.2.3");
    }

    @Test
    void peerMultiaddrWithoutLeadingSlash() {
        assertUsageError(run("-peer", "127.0.0.1:9000"), "--peer", "127.0.0.1:9000");
    }

    @Test
    void peerAddressTheTransportCannotDial() {
        assertUsageError(run("--transport", "netty", "--host", "127.0.0.1", "--peer", "/ip4/127.0.0.1/udp/9000/quic-v1"), "cannot dial", "quic-v1");
    }

    @Test
    void portOutOfRange() {
        assertUsageError(run("-port", "70000"), "70000");
        assertUsageError(run("--port", "-1"), "-1");
    }

    @Test
    void badResourceLimits() {
        assertUsageError(run("--limit", "peer.streams=4"), "--limit", "peer.streams", "peer.inboundStreams");
        assertUsageError(run("--limit", "system.memory=lots"), "--limit", "system.memory", "lots");
        assertUsageError(run("--limit", "transient.perIp=0"), "--limit", "transient.perIp");
        assertUsageError(run("--limit", "peer.inboundConns"), "peer.inboundConns");
    }

    @Test
    void badFileSharingSettings() throws Exception {
        assertUsageError(run("--limit", "file.chunks=4"), "--limit", "file.chunks", "file.chunkSize");
        assertUsageError(run("--limit", "file.maxTransfers=0"), "--limit", "file.maxTransfers");
        java.nio.file.Path notADir = java.nio.file.Files.createTempFile("lanchat-downloads", ".txt");
        try {
            assertUsageError(run("--downloads", notADir.toString()), "--downloads", notADir.toString());
        } finally {
            java.nio.file.Files.delete(notADir);
        }
    }

    @Test
    void badHistoryFlags(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertUsageError(run("--data", dir.toString()), "--data", "--identity");
        assertUsageError(run("--identity", dir.resolve("k").toString(), "--data", dir.toString(), "--no-history"), "--data", "--no-history");
        assertUsageError(run("--history-limit", "0"), "--history-limit", "0");
        assertUsageError(run("--history-hours", "-2"), "--history-hours", "-2");
        assertUsageError(run("--history-limit", "lots"), "lots");
    }

    @Test
    void portNotANumber() {
        assertUsageError(run("-port", "abc"), "abc");
    }

    @Test
    void unknownTransportListsTheInstalledOnes() {
        assertUsageError(run("--transport", "nosuch"), "nosuch", "netty");
    }

    @Test
    void nickWithASpace() {
        assertUsageError(run("--nick", "a b"), "nick");
    }

    @Test
    void nickTooLong() {
        assertUsageError(run("--nick", "n".repeat(33)), "nick");
    }

    @Test
    void aRoomNameDiscoveryCannotCarryIsAUsageError() {
        // rejected when the discovery is created, before any socket is opened: no multicast leaves this host
        assertUsageError(run("--transport", "netty", "--rendezvous", "my room"), "room");
        assertUsageError(run("--transport", "netty", "--rendezvous", " "), "--rendezvous");
    }

    @Test
    void portAlreadyInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String port = Integer.toString(taken.getLocalPort());
            assertUsageError(run("--transport", "netty", "--host", "127.0.0.1", "-port", port), port, "in use");
        }
    }

    // ---- --identity ----

    @Test
    void identityFileWithGarbage() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 25; i++) { // a few shapes of garbage: the decoder must reject them all cleanly
            byte[] junk = new byte[1 + random.nextInt(200)];
            random.nextBytes(junk);
            Path f = tmp.resolve("garbage-" + i + ".key");
            Files.write(f, junk);
            assertUsageError(run("--identity", f.toString()), f.toString());
        }
        Path text = tmp.resolve("text.key");
        Files.writeString(text, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n");
        assertUsageError(run("--identity", text.toString()), text.toString());
    }

    @Test
    void identityFileThatIsEmpty() throws Exception {
        Path f = Files.createFile(tmp.resolve("empty.key"));
        assertUsageError(run("--identity", f.toString()), f.toString());
    }

    @Test
    void identityFileThatIsADirectory() {
        assertUsageError(run("--identity", tmp.toString()), tmp.toString(), "directory");
    }

    @Test
    void identityFileThatIsTooLarge() throws Exception {
        Path f = tmp.resolve("huge.key");
        Files.write(f, new byte[1 << 20]);
        assertUsageError(run("--identity", f.toString()), f.toString());
    }

    @Test
    void identityFileThatCannotBeCreated() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("plain-file"), "x");
        Path f = notADir.resolve("id.key");
        assertUsageError(run("--identity", f.toString()), f.toString());
    }

    @Test
    void identityFileThatIsUnreadable() throws Exception {
        // A mode-000 file is readable by root (CI runs as root); a Unix socket is not, by anyone: it exists and
        // passes Files.isReadable, but opening it for reading fails (ENXIO).
        Path f = tmp.resolve("locked.key");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(f));
        }
        assertUsageError(run("--identity", f.toString()), f.toString(), "not readable");
        assertFalse(Files.isRegularFile(f), "the unreadable file was replaced by a new key");
    }

    @Test
    void identityFileIsCreatedOwnerOnlyAndReused() throws Exception {
        // the good path up to the first bad input after it: the file is created, then the same identity is loaded
        Path f = tmp.resolve("sub/dir/me.key");
        assertUsageError(run("--identity", f.toString(), "--transport", "nosuch"), "nosuch");
        assertTrue(Files.isRegularFile(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Identity id = Identity.load(f);
        assertUsageError(run("--identity", f.toString(), "--peer", "/ip4/127.0.0.1/tcp/9/p2p/" + id.peerId()), "itself");
    }

    // ---- help, version, and a clean run ----

    @Test
    void helpExitsZero() {
        Result r = run("--help");
        assertEquals(0, r.code, r.err);
        assertEquals("", r.err);
        for (String opt : List.of("-port", "--host", "--peer", "--rendezvous", "--transport", "--nick", "--identity", "--help", "--version")) {
            assertTrue(r.out.contains(opt), opt + " missing from --help:\n" + r.out);
        }
        assertTrue(r.out.contains("netty"), "installed transports should be listed:\n" + r.out);
    }

    @Test
    void versionExitsZero() {
        Result r = run("--version");
        assertEquals(0, r.code, r.err);
        assertEquals("", r.err);
        assertTrue(r.out.startsWith("lanchat "), r.out);
    }

    @Test
    void runsLeaveTheSystemPropertiesAsTheyWere() {
        // user.timezone is the JDK's own: set by the JVM the first time anything asks for the default time zone
        TimeZone.getDefault();
        Map<Object, Object> before = new HashMap<>(System.getProperties());
        assertEquals(0, run("--help").code);
        assertEquals(0, run(new ByteArrayInputStream("/quit\n".getBytes(StandardCharsets.UTF_8)), "--transport", "netty", "--host", "127.0.0.1").code);
        assertEquals(before, new HashMap<>(System.getProperties()));
        // and no earlier run in this JVM set any either (only --verbose must, and no test here uses it)
        assertEquals(List.of(), System.getProperties().stringPropertyNames().stream()
                .filter(n -> n.startsWith("org.slf4j.simpleLogger.") || n.startsWith("lanchat.")).toList());
    }

    @Test
    void quitOnStdinEndsARunningNodeWithExitCodeZero() {
        // note: a successful run installs the SIGINT/SIGTERM handlers in this (test) JVM, as it does in the app
        Result r = run(new ByteArrayInputStream("/help\n/quit\n".getBytes(StandardCharsets.UTF_8)),
                "--transport", "netty", "--host", "127.0.0.1", "-port", "0", "--nick", "tester");
        assertEquals(0, r.code, r.err);
        List<String> out = r.out.lines().toList();
        assertTrue(out.get(0).matches("Listening on /ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/12D3KooW\\w+"), r.out);
        assertTrue(out.contains("* commands:"), "/help was not answered:\n" + r.out);
        assertEquals("", r.err);
    }

    // ---- --transport libp2p,netty (issue 14) ----

    @Test
    void transportListsAreParsedInOrderWithoutRepeatsOrGaps() {
        assertEquals(List.of("libp2p"), LanChatCommand.transportNames(null), "the default stays libp2p alone");
        assertEquals(List.of("netty"), LanChatCommand.transportNames("netty"));
        assertEquals(List.of("libp2p", "netty"), LanChatCommand.transportNames("libp2p,netty"));
        assertEquals(List.of("netty", "libp2p"), LanChatCommand.transportNames("netty, libp2p"));
        assertUsageError(run("--transport", "libp2p,libp2p"), "--transport", "libp2p is named twice");
        assertUsageError(run("--transport", "libp2p,"), "--transport", "empty name");
        assertUsageError(run("--transport", "libp2p,carrier-pigeon"), "carrier-pigeon");
    }

    @Test
    void aPeerTaggedWithATransportTheNodeDoesNotRunIsRefused() {
        String id = Identity.generate().peerId().toString();
        assertUsageError(run("--transport", "netty", "--host", "127.0.0.1", "--peer", "libp2p:/ip4/127.0.0.1/tcp/9/p2p/" + id),
                "--peer libp2p:/ip4/127.0.0.1/tcp/9/p2p/" + id, "does not run the libp2p transport");
        assertUsageError(run("--transport", "libp2p,netty", "--host", "127.0.0.1", "--peer", "netty:/ip4/127.0.0.1/udp/9000/quic-v1"), "netty", "cannot dial", "quic-v1");
        assertUsageError(run("--peer", "carrier:9000"), "--peer", "carrier:9000");
    }

    @Test
    void aDualTransportNodePrintsOneListeningLinePerTransportTheOthersTagged() {
        Result r = run(new ByteArrayInputStream("/quit\n".getBytes(StandardCharsets.UTF_8)),
                "--transport", "libp2p,netty", "--host", "127.0.0.1", "-port", "0");
        assertEquals(0, r.code, r.err);
        List<String> listening = r.out.lines().filter(l -> l.startsWith("Listening on ")).toList();
        assertEquals(2, listening.size(), r.out);
        java.util.regex.Matcher first = java.util.regex.Pattern.compile("Listening on /ip4/127\\.0\\.0\\.1/tcp/(\\d+)/p2p/(12D3KooW\\w+)").matcher(listening.get(0));
        java.util.regex.Matcher second = java.util.regex.Pattern.compile("Listening on netty:/ip4/127\\.0\\.0\\.1/tcp/(\\d+)/p2p/(12D3KooW\\w+)").matcher(listening.get(1));
        assertTrue(first.matches(), listening.get(0));
        assertTrue(second.matches(), listening.get(1));
        assertEquals(first.group(2), second.group(2), "one identity on both");
        assertFalse(first.group(1).equals(second.group(1)), "one port each: " + listening);
    }
}
