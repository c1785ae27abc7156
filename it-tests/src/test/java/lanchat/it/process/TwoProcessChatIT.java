package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two real LAN Chat processes on 127.0.0.1, started exactly as a user starts them
 * ({@code java -p mods -m lanchat.app …}), talking through their stdin and stdout; no Docker.
 *
 * <p>{@code mods/} is {@code -Dit.mods} (set by Failsafe) or {@code ../mods} from the module directory. Other
 * engineers rebuild {@code mods/} at any time (lanchat-app's build empties it first), so the processes run from a
 * private copy taken once for this class.
 */
@Timeout(180)
class TwoProcessChatIT {
    /** The transports to run every test over. */
    static List<String> transports() {
        return List.of("netty", "libp2p");
    }

    static final Duration WAIT = Duration.ofSeconds(15);

    static Path mods;
    private final List<AppNode> nodes = new ArrayList<>();

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-process-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() {
        for (AppNode n : nodes) n.kill();
    }

    // ---- the tests ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void twoProcessesConnectChatAndStopCleanlyOnSigterm(String transport) throws Exception {
        AppNode a = start("A", transport);
        AppNode b = start("B", transport, "--nick", "bob", "--peer", a.address);

        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        b.awaitLine("✓ connected to " + a.peerId, WAIT);

        a.type("hello from A: grüße 日本語 🎉");
        b.awaitLine(shortId(a.peerId) + ": hello from A: grüße 日本語 🎉", WAIT);
        b.type("hello from B");
        a.awaitLine("bob: hello from B", WAIT);

        int markA = a.mark();
        b.terminate(); // SIGTERM
        b.assertExitedCleanly();
        a.awaitLine(markA, l -> l.equals("✗ disconnected from " + b.peerId), WAIT, "✗ disconnected from " + b.peerId);

        a.terminate();
        a.assertExitedCleanly();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void endOfStdinDoesNotStopTheNode(String transport) throws Exception {
        AppNode a = start("A", transport);
        a.closeStdin(); // as with `java … < /dev/null`
        AppNode b = start("B", transport, "--peer", a.address);

        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        b.awaitLine("✓ connected to " + a.peerId, WAIT);
        assertTrue(a.process.isAlive(), "the node stopped at the end of its input");

        b.type("are you still there?");
        a.awaitLine(shortId(b.peerId) + ": are you still there?", WAIT);
        int markB = b.mark();
        b.type("/ping");
        b.awaitLine(markB, l -> l.matches("\\* ping " + shortId(a.peerId) + ": \\d+\\.\\d{3} ms"), WAIT, "a ping answer");
        assertTrue(a.process.isAlive());

        a.terminate();
        a.assertExitedCleanly();
        b.terminate();
        b.assertExitedCleanly();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void quitCommandStopsCleanlyAndThePeerIsTold(String transport) throws Exception {
        AppNode a = start("A", transport);
        AppNode b = start("B", transport, "--peer", a.address);
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        b.awaitLine("✓ connected to " + a.peerId, WAIT);

        int markA = a.mark();
        b.quit();
        b.assertExitedCleanly();
        a.awaitLine(markA, l -> l.equals("✗ disconnected from " + b.peerId), WAIT, "✗ disconnected from " + b.peerId);

        a.terminate();
        a.assertExitedCleanly();
    }

    /** Lines per burst: as when a user pastes a paragraph. */
    static final int BURST = 30;

    static List<String> burst(String tag) {
        return java.util.stream.IntStream.range(0, BURST).mapToObj(i -> tag + " " + i).toList();
    }

    /**
     * A pasted burst of lines, both ways at once right after {@code ✓ connected} (before any chat stream exists) and
     * again after a warm-up line each way and a quiet spell: every line arrives, in the order it was typed. Three
     * runs per transport, each with new processes.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void burstsOfLinesArriveInTheOrderTheyWereTyped(String transport) throws Exception {
        for (int run = 0; run < 3; run++) {
            AppNode a = start("A" + run, transport, "--nick", "alice");
            AppNode b = start("B" + run, transport, "--nick", "bob", "--peer", a.address);
            a.awaitLine("✓ connected to " + b.peerId, WAIT);
            b.awaitLine("✓ connected to " + a.peerId, WAIT);
            int markA = a.mark(), markB = b.mark();
            List<String> fromA = burst("first burst from A, run " + run), fromB = burst("first burst from B, run " + run);
            a.typeAll(fromA);
            b.typeAll(fromB);
            awaitBurst(b, markB, "alice: ", fromA);
            awaitBurst(a, markA, "bob: ", fromB);

            a.type("warm-up");
            b.awaitLine("alice: warm-up", WAIT);
            b.type("warm-up");
            a.awaitLine("bob: warm-up", WAIT);
            Thread.sleep(2000); // the reported case: a burst after 2 s of quiet still arrived out of order
            markA = a.mark();
            markB = b.mark();
            fromA = burst("later burst from A, run " + run);
            fromB = burst("later burst from B, run " + run);
            a.typeAll(fromA);
            b.typeAll(fromB);
            awaitBurst(b, markB, "alice: ", fromA);
            awaitBurst(a, markA, "bob: ", fromB);
            a.kill();
            b.kill();
        }
    }

    /** Waits for the last line of {@code sent} at {@code receiver}, then checks every line came, once, in order. */
    static void awaitBurst(AppNode receiver, int mark, String prefix, List<String> sent) {
        receiver.awaitLine(mark, (prefix + sent.get(sent.size() - 1))::equals, WAIT, "the last line of a burst");
        List<String> got = receiver.linesAfter(mark, prefix).stream().filter(sent::contains).toList();
        org.junit.jupiter.api.Assertions.assertEquals(sent, got, "the burst as " + receiver.name + " printed it\n" + receiver.describe());
    }

    /**
     * BouncyCastle (mods/lazy/) is loaded only for a key the JDK cannot verify: two nodes with Ed25519 identities start,
     * handshake, chat and stop without loading a single class of it. (Libp2pInteropIT's peerKeyType shows a node that
     * meets a secp256k1 peer loading it from mods/lazy/.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void nodesThatMeetOnlyEd25519KeysLoadNoBouncyCastle(String transport) throws Exception {
        Path logA = Files.createTempFile("lanchat-it-classes-a-", ".log"), logB = Files.createTempFile("lanchat-it-classes-b-", ".log");
        try {
            AppNode a = start("A", AppNode.logClassLoading(logA), transport);
            AppNode b = start("B", AppNode.logClassLoading(logB), transport, "--peer", a.address);
            a.awaitLine("✓ connected to " + b.peerId, WAIT);
            b.awaitLine("✓ connected to " + a.peerId, WAIT);
            b.type("no BouncyCastle here");
            a.awaitLine(shortId(b.peerId) + ": no BouncyCastle here", WAIT);
            b.quit();
            b.assertExitedCleanly();
            a.quit();
            a.assertExitedCleanly();
            assertEquals(List.of(), AppNode.lazyCryptoClasses(logA), "A loaded lazy crypto");
            assertEquals(List.of(), AppNode.lazyCryptoClasses(logB), "B loaded lazy crypto");
        } finally {
            Files.deleteIfExists(logA);
            Files.deleteIfExists(logB);
        }
    }

    @Test
    void theLauncherScriptRunsTheSameNodeWithItsSmallFlags() throws Exception {
        AppNode a = AppNode.launchScript("A", mods, "libp2p");
        nodes.add(a);
        a.awaitStarted();
        String cmdline = Files.readString(Path.of("/proc/" + a.process.pid() + "/cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-XX:+UseSerialGC") && cmdline.contains("-m lanchat.app"), "the JVM runs with the launcher's flags: " + cmdline);
        AppNode b = start("B", "libp2p", "--peer", a.address);
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        b.awaitLine("✓ connected to " + a.peerId, WAIT); // B sends only to peers it knows are connected
        b.type("through the launcher");
        a.awaitLine(shortId(b.peerId) + ": through the launcher", WAIT);
        a.terminate(); // the script execs the JVM: SIGTERM reaches it directly
        a.assertExitedCleanly();
        b.terminate();
        b.assertExitedCleanly();
    }

    /**
     * The launcher's static class-data archive (issue 16), on a module directory of its own: the first run records the
     * classes it loads, the second dumps mods/lanchat.jsa from that list and starts with it (the JVM maps it), later
     * runs start with it; an archive the JVM cannot use is ignored; a failed dump is kept as mods/lanchat.jsa.failed
     * and not tried again until the jars change, and a changed jar starts the three steps again.
     */
    @Test
    @Timeout(300) // seven launcher starts, one with the archive's dump, and three peers on a loaded machine
    void theLauncherBuildsAStaticClassDataArchiveAndStartsWithIt() throws Exception {
        Path own = AppNode.snapshotMods("lanchat-it-cds-mods-");
        try {
            Path archive = own.resolve("lanchat.jsa"), failed = own.resolve("lanchat.jsa.failed");

            AppNode first = launchAndChat("first", own);
            String firstCmd = cmdline(first);
            assertTrue(firstCmd.contains("-XX:DumpLoadedClassList=" + own.resolve("lanchat.classlist." + first.process.pid())),
                    "the first run records its classes (the script execs the JVM: the list is named by its pid): " + firstCmd);
            stop(first);
            assertTrue(Files.size(own.resolve("lanchat.classlist." + first.process.pid())) > 0, "the list was written");
            assertFalse(Files.exists(archive), "no archive yet");

            for (String run : List.of("second", "third")) { // the second dumps the archive first, the third finds it
                AppNode n = launchAndChat(run, own);
                assertTrue(cmdline(n).contains("-XX:SharedArchiveFile=" + archive), run + " run starts with the archive: " + cmdline(n));
                assertTrue(Files.readString(Path.of("/proc/" + n.process.pid() + "/maps")).contains(archive.toString()),
                        run + " run: the JVM mapped the archive (it accepted it)");
                stop(n);
                assertFalse(Files.exists(failed), "the dump worked");
            }
            try (var lists = Files.list(own)) {
                assertEquals(List.of(), lists.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("lanchat.classlist") || f.startsWith("lanchat.dumping")).toList(),
                        "the list was used up");
            }

            Files.writeString(archive, "not a class-data archive"); // the JVM ignores an archive it cannot use
            stop(launch("damaged", own));

            // a list the dump cannot read (its run long gone: no such pid): the dump fails once, and is not tried again
            Files.delete(archive);
            Files.writeString(own.resolve("lanchat.classlist.2147483646"), "lanchat/app/node/ChatNode\nnot a class list id: x super: 1\n");
            AppNode afterFailure = launch("failing dump", own);
            assertTrue(Files.isRegularFile(failed) && Files.readString(failed).contains("class list format error"),
                    "the dump's output is kept in " + failed);
            assertFalse(cmdline(afterFailure).contains("SharedArchiveFile") || cmdline(afterFailure).contains("DumpLoadedClassList"), cmdline(afterFailure));
            stop(afterFailure);
            AppNode again = launch("after the failure", own);
            assertFalse(cmdline(again).contains("SharedArchiveFile") || cmdline(again).contains("DumpLoadedClassList"), "not tried again: " + cmdline(again));
            stop(again);

            // a build: a jar newer than the archive's key starts over
            Path jar;
            try (var jars = Files.list(own)) {
                jar = jars.filter(f -> f.getFileName().toString().startsWith("lanchat-app")).findFirst().orElseThrow();
            }
            Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
            AppNode rebuilt = launch("after a build", own);
            assertTrue(cmdline(rebuilt).contains("-XX:DumpLoadedClassList="), "records again: " + cmdline(rebuilt));
            assertFalse(Files.exists(failed), "the failed marker belonged to the old jars");
            stop(rebuilt);
        } finally {
            AppNode.deleteTree(own);
        }
    }

    /**
     * The launcher starts from the runtime image the build links (mods/image, issue 16, start-up): the JVM is the
     * image's java, without a module path, and the node chats with a node on the module path. The private room's
     * passphrase needs the crypto loaded on first use from mods/lazy, which a node in the image finds next to the
     * image; the class-data archive is recorded, dumped and used as on the module path.
     */
    @Test
    @Timeout(300) // three launcher starts, one with the archive's dump, and three peers on a loaded machine
    void theLauncherStartsFromTheRuntimeImage() throws Exception {
        Path own = AppNode.snapshotModsWithImage("lanchat-it-image-mods-");
        Path secret = Files.createTempFile("lanchat-it-secret-", ".txt");
        try {
            Files.writeString(secret, "a passphrase of the image test\n");
            for (String run : List.of("first", "second", "third")) { // records its classes, dumps the archive, finds it
                AppNode n = launchAndChat(run, own, "--secret-file", secret.toString());
                assertEquals(own.resolve("image/bin/java").toRealPath(), Path.of("/proc/" + n.process.pid() + "/exe").toRealPath(),
                        run + " run: the JVM is the image's");
                assertFalse(cmdline(n).contains(" -p "), run + " run: no module path: " + cmdline(n));
                if (!run.equals("first")) {
                    assertTrue(Files.readString(Path.of("/proc/" + n.process.pid() + "/maps")).contains(own.resolve("lanchat.jsa").toString()),
                            run + " run: the JVM mapped the archive");
                }
                stop(n);
            }
        } finally {
            Files.deleteIfExists(secret);
            AppNode.deleteTree(own);
        }
    }

    /** A launcher node on {@code dir}, started. */
    private AppNode launch(String name, Path dir, String... extra) throws IOException {
        AppNode n = AppNode.launchScript(name, dir, "libp2p", extra);
        nodes.add(n);
        return n.awaitStarted();
    }

    /**
     * A launcher node on {@code dir} that a plain {@code java} node dials and chats with, both ways; {@code args} go to
     * both (e.g. a private room's secret).
     */
    private AppNode launchAndChat(String name, Path dir, String... args) throws Exception {
        AppNode n = launch(name, dir, args);
        List<String> peerArgs = new ArrayList<>(List.of(args));
        peerArgs.addAll(List.of("--peer", n.address));
        AppNode peer = start(name + "'s peer", "libp2p", peerArgs.toArray(String[]::new));
        n.awaitLine("✓ connected to " + peer.peerId, WAIT);
        peer.awaitLine("✓ connected to " + n.peerId, WAIT);
        peer.type("hello " + name);
        n.awaitLine(shortId(peer.peerId) + ": hello " + name, WAIT);
        n.type("back from " + name);
        peer.awaitLine(shortId(n.peerId) + ": back from " + name, WAIT);
        stop(peer);
        return n;
    }

    /** Ends a node with SIGTERM (the launcher execs the JVM, so it gets the signal) and checks it exited cleanly. */
    private static void stop(AppNode n) throws Exception {
        n.terminate();
        n.assertExitedCleanly();
    }

    private static String cmdline(AppNode n) throws IOException {
        return Files.readString(Path.of("/proc/" + n.process.pid() + "/cmdline")).replace('\0', ' ');
    }

    /**
     * The launcher passes the module directory as one word, whatever its path holds (review: {@code $cds} was expanded
     * unquoted, so a directory with a space split the archive path and the JVM took the rest for a main class). JDK 17
     * cannot write a class-data archive from such a module path (it aborts the dump and exits), so the launcher starts
     * without one there: the node starts, stops cleanly and starts again.
     */
    @Test
    void theLauncherRunsFromADirectoryWhosePathHasSpacesAndGlobCharacters() throws Exception {
        Path spaced = AppNode.snapshotMods("lanchat it mods [*] ");
        try {
            for (String run : List.of("first", "second")) {
                AppNode n = AppNode.launchScript(run, spaced, "libp2p");
                nodes.add(n);
                n.awaitStarted();
                String cmdline = Files.readString(Path.of("/proc/" + n.process.pid() + "/cmdline"));
                assertTrue(cmdline.contains("\0" + spaced + "\0"), run + ": the module path is one argument: " + cmdline.replace('\0', '|'));
                n.quit();
                n.assertExitedCleanly();
            }
        } finally {
            AppNode.deleteTree(spaced);
        }
    }

    // ---- processes ----

    static String shortId(String peerId) {
        return AppNode.shortId(peerId);
    }

    private AppNode start(String name, String transport, String... extra) throws IOException {
        return start(name, List.of(), transport, extra);
    }

    private AppNode start(String name, List<String> jvmOptions, String transport, String... extra) throws IOException {
        AppNode n = AppNode.launch(name, mods, jvmOptions, transport, extra);
        nodes.add(n);
        n.awaitStarted();
        return n;
    }
}
