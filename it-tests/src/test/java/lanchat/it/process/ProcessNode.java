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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One running process driven through its stdin and watched through its stdout: every stdout line is collected by a
 * reader thread and can be waited for with a bounded {@link #awaitLine}. stderr is collected too (for
 * {@link #describe()} and {@link #awaitStderr}). Every process started is killed by a shutdown hook however the tests
 * end; tests should still {@link #kill()} theirs in {@code @AfterEach}.
 */
public class ProcessNode {
    /** Every process started, killed when this JVM exits however the tests ended. */
    private static final List<Process> ALIVE = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ALIVE.forEach(Process::destroyForcibly), "it-process-reaper"));
    }

    /** The exit contract of the app: clean exit within 3 s of SIGTERM or /quit. */
    public static final Duration EXIT = Duration.ofSeconds(3);

    public final String name;
    public final List<String> command;
    public final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final Writer stdin;
    private long terminatedAt;

    public ProcessNode(String name, List<String> command) throws IOException {
        this.name = name;
        this.command = List.copyOf(command);
        ProcessBuilder pb = new ProcessBuilder(command);
        this.process = pb.start();
        ALIVE.add(process);
        process.onExit().thenRun(() -> ALIVE.remove(process));
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.getInputStream(), line -> {
            synchronized (this) {
                out.add(line);
                notifyAll();
            }
        }, "stdout");
        pump(process.getErrorStream(), line -> {
            synchronized (this) {
                err.add(line);
                notifyAll();
            }
        }, "stderr");
    }

    private void pump(InputStream s, Consumer<String> sink, String what) {
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

    /** The number of stdout lines so far: pass it to {@link #awaitLine(int, Predicate, Duration, String)} to wait for a new line. */
    public synchronized int mark() {
        return out.size();
    }

    /** A copy of the stdout lines so far. */
    public synchronized List<String> lines() {
        return List.copyOf(out);
    }

    /** A copy of the stderr lines so far. */
    public synchronized List<String> stderrLines() {
        return List.copyOf(err);
    }

    public String awaitLine(String exact, Duration timeout) {
        return awaitLine(0, exact::equals, timeout, "'" + abbreviate(exact) + "'");
    }

    /** The first stdout line at index {@code from} or later that matches; fails the test after {@code timeout}. */
    public String awaitLine(int from, Predicate<String> match, Duration timeout, String what) {
        return await(out, from, match, timeout, what, "stdout");
    }

    /** The first stderr line that matches; fails the test after {@code timeout}. */
    public String awaitStderr(Predicate<String> match, Duration timeout, String what) {
        return await(err, 0, match, timeout, what, "stderr");
    }

    /**
     * Whichever comes first: a stdout line (index {@code from} or later) matching {@code outMatch}, returned as is, or
     * a stderr line matching {@code errMatch}, returned with the prefix {@code "stderr: "}. Fails after {@code timeout}.
     */
    public synchronized String awaitAny(int from, Predicate<String> outMatch, Predicate<String> errMatch, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int i = from;
        int j = 0;
        while (true) {
            for (; i < out.size(); i++) if (outMatch.test(out.get(i))) return out.get(i);
            for (; j < err.size(); j++) if (errMatch.test(err.get(j))) return "stderr: " + err.get(j);
            long left = deadline - System.nanoTime();
            if (left <= 0) fail(name + ": no " + what + " within " + timeout.toMillis() / 1000.0 + " s\n" + describe());
            try {
                wait(Math.max(1, Math.min(200, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    private synchronized String await(List<String> lines, int from, Predicate<String> match, Duration timeout, String what, String where) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean exitSeen = false;
        int i = from;
        while (true) {
            for (; i < lines.size(); i++) if (match.test(lines.get(i))) return lines.get(i);
            if (!exitSeen && !process.isAlive()) {
                exitSeen = true; // give the pumps half a second for the last lines, then give up
                deadline = Math.min(deadline, System.nanoTime() + 500_000_000L);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail(name + ": no " + what + " on " + where + " within " + timeout.toMillis() / 1000.0 + " s"
                        + (process.isAlive() ? "" : " (process exited " + process.exitValue() + ")") + "\n" + describe());
            }
            try {
                wait(Math.max(1, Math.min(200, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    public void type(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot write to stdin\n" + describe(), e);
        }
    }

    /** Types several lines with one write, as a paste does. */
    public void typeAll(List<String> lines) {
        type(String.join("\n", lines));
    }

    /**
     * The lines printed since {@code from} that start with {@code prefix}, without it: e.g. the texts a peer received
     * from one sender, in the order they were printed.
     */
    public synchronized List<String> linesAfter(int from, String prefix) {
        return out.subList(from, out.size()).stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    }

    public void closeStdin() throws IOException {
        stdin.close();
    }

    /** SIGTERM on Linux. */
    public void terminate() {
        terminatedAt = System.nanoTime();
        process.destroy();
    }

    /** Marks the moment a stop was requested some other way (e.g. a quit command typed by a subclass). */
    protected void stopRequested() {
        terminatedAt = System.nanoTime();
    }

    /** Exited with code 0 within {@link #EXIT} of the request to stop (SIGTERM or a quit command), without a stack trace. */
    public void assertExitedCleanly() throws InterruptedException {
        if (terminatedAt == 0) terminatedAt = System.nanoTime();
        boolean exited = process.waitFor(EXIT.toMillis(), TimeUnit.MILLISECONDS);
        long ms = (System.nanoTime() - terminatedAt) / 1_000_000;
        if (!exited) fail(name + " still running " + ms + " ms after it was asked to stop\n" + describe());
        assertEquals(0, process.exitValue(), name + " exit code\n" + describe());
        synchronized (this) {
            assertTrue(err.stream().noneMatch(l -> l.matches("\\s+at .*") || l.startsWith("Exception in thread")),
                    name + " printed a stack trace\n" + describe());
        }
    }

    public synchronized String describe() {
        return "  command: " + String.join(" ", command.stream().map(ProcessNode::abbreviate).toList())
                + "\n  stdout:\n    " + String.join("\n    ", out.stream().map(ProcessNode::abbreviate).toList())
                + "\n  stderr:\n    " + String.join("\n    ", err.stream().map(ProcessNode::abbreviate).toList());
    }

    public static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…(" + s.length() + " chars)";
    }

    /** SIGKILL, then waits up to 5 s for the process to be gone. */
    public void kill() {
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
