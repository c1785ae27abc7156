package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
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
    /** The transports to run every test over. Add "libp2p" here when its plugin lands. */
    static List<String> transports() {
        return List.of("netty");
    }

    static final Duration START = Duration.ofSeconds(30); // a JVM start on a loaded 2-core machine
    static final Duration WAIT = Duration.ofSeconds(15);
    static final Duration EXIT = Duration.ofSeconds(3); // the contract: clean exit within 3 s
    static final Pattern LISTENING = Pattern.compile("Listening on (/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/(\\w+))");

    static Path mods;
    private final List<Node> nodes = new ArrayList<>();

    @BeforeAll
    static void snapshotMods() throws IOException {
        Path live = Path.of(System.getProperty("it.mods", "../mods")).toAbsolutePath().normalize();
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(live)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(live, "*.jar")) {
                ds.forEach(jars::add);
            }
        }
        if (jars.stream().filter(j -> j.getFileName().toString().startsWith("lanchat-app")).count() != 1) {
            fail("expected exactly one lanchat-app*.jar in " + live + ", found " + jars + ". Run: mvn -q -pl lanchat-app -am package -DskipTests");
        }
        mods = Files.createTempDirectory("lanchat-it-process-mods-");
        for (Path jar : jars) Files.copy(jar, mods.resolve(jar.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        if (mods == null) return;
        try (Stream<Path> s = Files.walk(mods)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @AfterEach
    void killAll() {
        for (Node n : nodes) n.kill();
    }

    // ---- the tests ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void twoProcessesConnectChatAndStopCleanlyOnSigterm(String transport) throws Exception {
        Node a = start("A", transport);
        Node b = start("B", transport, "--nick", "bob", "--peer", a.address);

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
        Node a = start("A", transport);
        a.closeStdin(); // as with `java … < /dev/null`
        Node b = start("B", transport, "--peer", a.address);

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
        Node a = start("A", transport);
        Node b = start("B", transport, "--peer", a.address);
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        b.awaitLine("✓ connected to " + a.peerId, WAIT);

        int markA = a.mark();
        b.quit();
        b.assertExitedCleanly();
        a.awaitLine(markA, l -> l.equals("✗ disconnected from " + b.peerId), WAIT, "✗ disconnected from " + b.peerId);

        a.terminate();
        a.assertExitedCleanly();
    }

    // ---- processes ----

    static String shortId(String peerId) {
        return peerId.substring(peerId.length() - 6);
    }

    private Node start(String name, String transport, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-p", mods.toString(), "-m", "lanchat.app", "--transport", transport, "-port", "0", "--host", "127.0.0.1"));
        cmd.addAll(List.of(extra));
        Node n = new Node(name, cmd);
        nodes.add(n);
        n.awaitStarted();
        return n;
    }

    /** One running process: its stdout lines (collected by a reader thread), its stderr, its stdin. */
    static final class Node {
        /** Every process started, killed when this JVM exits however the tests ended. */
        private static final List<Process> ALIVE = new java.util.concurrent.CopyOnWriteArrayList<>();

        static {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> ALIVE.forEach(Process::destroyForcibly), "it-process-reaper"));
        }

        final String name;
        final List<String> command;
        final Process process;
        private final List<String> out = new ArrayList<>();
        private final StringBuilder err = new StringBuilder();
        private final Writer stdin;
        String address;
        String peerId;
        private long terminatedAt;

        Node(String name, List<String> command) throws IOException {
            this.name = name;
            this.command = command;
            this.process = new ProcessBuilder(command).start();
            ALIVE.add(process);
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            pump(process.getInputStream(), line -> {
                synchronized (this) {
                    out.add(line);
                    notifyAll();
                }
            }, "stdout");
            pump(process.getErrorStream(), line -> {
                synchronized (this) {
                    err.append(line).append('\n');
                }
            }, "stderr");
        }

        private void pump(InputStream s, java.util.function.Consumer<String> sink, String what) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) sink.accept(line);
                } catch (IOException e) {
                    // the process is gone
                }
            }, "it-" + name + "-" + what);
            t.setDaemon(true);
            t.start();
        }

        void awaitStarted() {
            String line = awaitLine(0, l -> LISTENING.matcher(l).matches(), START, "a 'Listening on /ip4/127.0.0.1/…' line");
            Matcher m = LISTENING.matcher(line);
            assertTrue(m.matches());
            address = m.group(1);
            peerId = m.group(2);
            assertTrue(peerId.startsWith("12D3KooW"), peerId);
        }

        synchronized int mark() {
            return out.size();
        }

        String awaitLine(String exact, Duration timeout) {
            return awaitLine(0, exact::equals, timeout, "'" + exact + "'");
        }

        synchronized String awaitLine(int from, Predicate<String> match, Duration timeout, String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            boolean exitSeen = false;
            int i = from;
            while (true) {
                for (; i < out.size(); i++) if (match.test(out.get(i))) return out.get(i);
                if (!exitSeen && !process.isAlive()) {
                    exitSeen = true; // give the stdout pump half a second for the last lines, then give up
                    deadline = Math.min(deadline, System.nanoTime() + 500_000_000L);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail(name + ": no " + what + " within " + timeout.toSeconds() + " s" + (process.isAlive() ? "" : " (process exited " + process.exitValue() + ")")
                            + "\n" + describe());
                }
                try {
                    wait(Math.max(1, Math.min(200, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("interrupted");
                }
            }
        }

        void type(String line) {
            try {
                stdin.write(line + "\n");
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": cannot write to stdin\n" + describe(), e);
            }
        }

        void closeStdin() throws IOException {
            stdin.close();
        }

        /** Types /quit. */
        void quit() {
            terminatedAt = System.nanoTime();
            type("/quit");
        }

        /** SIGTERM on Linux. */
        void terminate() {
            terminatedAt = System.nanoTime();
            process.destroy();
        }

        /** Exited with code 0 within {@link #EXIT} of the request to stop (SIGTERM or /quit). */
        void assertExitedCleanly() throws InterruptedException {
            if (terminatedAt == 0) terminatedAt = System.nanoTime();
            boolean exited = process.waitFor(EXIT.toMillis(), TimeUnit.MILLISECONDS);
            long ms = (System.nanoTime() - terminatedAt) / 1_000_000;
            if (!exited) fail(name + " still running " + ms + " ms after it was asked to stop\n" + describe());
            assertEquals(0, process.exitValue(), name + " exit code\n" + describe());
            synchronized (this) {
                assertTrue(err.toString().lines().noneMatch(l -> l.matches("\\s+at .*") || l.startsWith("Exception in thread")),
                        name + " printed a stack trace\n" + describe());
            }
        }

        synchronized String describe() {
            return "  command: " + String.join(" ", command) + "\n  stdout:\n    " + String.join("\n    ", out.stream().map(Node::abbreviate).toList())
                    + "\n  stderr:\n    " + err.toString().replace("\n", "\n    ");
        }

        static String abbreviate(String s) {
            return s.length() <= 300 ? s : s.substring(0, 300) + "…(" + s.length() + " chars)";
        }

        void kill() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
