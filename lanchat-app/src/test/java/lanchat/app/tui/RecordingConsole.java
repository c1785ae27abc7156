package lanchat.app.tui;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** A {@link Console} that records every line printed, and lets a test wait (bounded) for a line to appear. */
public final class RecordingConsole implements Console {
    private final List<String> lines = new ArrayList<>();
    private final List<String> logLines = new ArrayList<>();
    private Consumer<String> onLine;
    private boolean closed;
    private volatile boolean decorates;
    private volatile Completion completion;

    /** Acts as an interactive terminal ({@link Console#decorates()}): connection lines then name the peer. */
    public RecordingConsole decorating() {
        decorates = true;
        return this;
    }

    @Override
    public boolean decorates() {
        return decorates;
    }

    private volatile boolean refreshes;
    private String status = "";

    /** Has a status line, like a terminal ({@link Console#refreshesStatus()}); {@link #awaitStatus} waits for it. */
    public RecordingConsole refreshing() {
        refreshes = true;
        return this;
    }

    @Override
    public boolean refreshesStatus() {
        return refreshes;
    }

    @Override
    public synchronized void status(String line) {
        status = line;
        notifyAll();
    }

    public synchronized String currentStatus() {
        return status;
    }

    /** Waits (bounded) until the status line is {@code expected}. */
    public void awaitStatus(String expected, Duration timeout) {
        awaitState(this::currentStatus, expected, "status line", timeout);
    }

    @Override
    public void completeWith(Completion completion) {
        this.completion = completion;
    }

    /** What Tab would offer for {@code word} after {@code wordsBefore}. */
    public List<String> complete(List<String> wordsBefore, String word) {
        return completion.candidates(wordsBefore, word);
    }

    @Override
    public synchronized void println(String line) {
        lines.add(line);
        notifyAll();
    }

    @Override
    public synchronized void log(String line) {
        logLines.add(line);
        notifyAll();
    }

    private String prompt = "> ";

    @Override
    public synchronized void prompt(String prompt) {
        this.prompt = prompt;
        notifyAll();
    }

    /** The prompt the console shows now. */
    public synchronized String currentPrompt() {
        return prompt;
    }

    /** Waits (bounded) until the prompt is {@code expected}. */
    public void awaitPrompt(String expected, Duration timeout) {
        awaitState(this::currentPrompt, expected, "prompt", timeout);
    }

    private synchronized void awaitState(java.util.function.Supplier<String> current, String expected, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!current.get().equals(expected)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) fail(what + " is '" + current.get() + "', not '" + expected + "', after " + timeout.toMillis() + " ms; console had: " + lines);
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** The diagnostic lines printed so far. */
    public synchronized List<String> logLines() {
        return List.copyOf(logLines);
    }

    @Override
    public synchronized void start(Consumer<String> onLine, Runnable onQuit) {
        this.onLine = onLine;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    public synchronized boolean isClosed() { return closed; }

    /** Types a line, as the user would. */
    public void type(String line) {
        Consumer<String> c;
        synchronized (this) {
            c = onLine;
        }
        c.accept(line);
    }

    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** How many lines have been printed so far: a mark for {@link #await(int, Predicate, Duration)}. */
    public synchronized int mark() {
        return lines.size();
    }

    /** Waits until a line equal to {@code line} is printed at or after index {@code from}; returns its index. */
    public int await(int from, String line, Duration timeout) {
        return await(from, line::equals, timeout, "'" + abbreviate(line) + "'");
    }

    public int await(int from, Predicate<String> match, Duration timeout) {
        return await(from, match, timeout, "a matching line");
    }

    private synchronized int await(int from, Predicate<String> match, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int i = from;
        while (true) {
            for (; i < lines.size(); i++) if (match.test(lines.get(i))) return i;
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("no " + what + " within " + timeout.toMillis() + " ms; console had: " + lines.stream().map(RecordingConsole::abbreviate).toList());
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…(" + s.length() + " chars)";
    }
}
