package lanchat.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child process started by the suite: stdout lines are queued (and logged), stderr goes to a file, stdin stays
 * open until {@link #closeStdin()}. Every process ever started is ended by {@link #stopAll()} (also a shutdown hook).
 */
final class Proc implements AutoCloseable {
    private static final List<Proc> ALL = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Proc::stopAll));
    }

    final String name;
    final Process process;
    final long startedNanos;
    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new CopyOnWriteArrayList<>();
    private final List<Line> history = new CopyOnWriteArrayList<>();

    record Line(String text, long nanos) {}

    private Proc(String name, Process process, long startedNanos, Path log) {
        this.name = name;
        this.process = process;
        this.startedNanos = startedNanos;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 var w = Files.newBufferedWriter(log)) {
                String l;
                while ((l = r.readLine()) != null) {
                    long now = System.nanoTime();
                    Line line = new Line(l, now);
                    lines.add(line);
                    history.add(line);
                    all.add(l);
                    w.write(l);
                    w.newLine();
                    w.flush();
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "out-" + name);
        t.setDaemon(true);
        t.start();
    }

    static Proc start(String name, List<String> cmd, Path dir, Path workDir) throws IOException {
        Files.createDirectories(workDir);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectError(workDir.resolve(name + ".err").toFile());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Files.writeString(workDir.resolve(name + ".cmd"), String.join(" ", cmd) + "\n");
        long t0 = System.nanoTime();
        Process p = pb.start();
        Proc proc = new Proc(name, p, t0, workDir.resolve(name + ".out"));
        ALL.add(proc);
        return proc;
    }

    /** The first line (from now on) matching {@code p}, within {@code millis}. */
    Optional<Line> await(Predicate<String> p, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) return Optional.empty();
            Line l = lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            if (l != null && p.test(l.text)) return Optional.of(l);
            if (l == null && !process.isAlive() && lines.isEmpty()) return Optional.empty();
        }
    }

    /** The first line ever printed (not only from now on) matching {@code p}, waiting up to {@code millis}. */
    Optional<Line> find(Predicate<String> p, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            for (Line l : history) if (p.test(l.text)) return Optional.of(l);
            if (System.nanoTime() > end || !process.isAlive()) return Optional.empty();
            Thread.sleep(10);
        }
    }

    /**
     * The first {@code LISTEN} address of a bench peer once it printed its ready line ({@code PEERID}), within
     * {@code millis}; empty when it did not get ready.
     */
    Optional<String> awaitListenAddress(long millis) throws InterruptedException {
        if (await(l -> l.startsWith("PEERID"), millis).isEmpty()) return Optional.empty();
        return all.stream().filter(l -> l.startsWith("LISTEN ")).map(l -> l.substring(7).trim()).findFirst();
    }

    /** Writes one line to the process's stdin. */
    void send(String line) throws IOException {
        OutputStream o = process.getOutputStream();
        o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
    }

    /** Every BENCH line until the process exits (or {@code millis} pass, then it is killed). */
    List<BenchResult> results(long millis) throws InterruptedException {
        boolean exited = process.waitFor(millis, TimeUnit.MILLISECONDS);
        if (!exited) stop();
        Thread.sleep(50); // let the reader drain
        List<BenchResult> out = new ArrayList<>();
        for (String l : all) BenchResult.parse(l).ifPresent(out::add);
        if (!exited) out.add(new BenchResult("timeout", java.util.Map.of("error", "killed_after_" + millis / 1000 + "s")));
        return out;
    }

    List<String> output() {
        return List.copyOf(all);
    }

    /** VmRSS of the process in KiB, from /proc. */
    long rssKiB() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        throw new IOException("no VmRSS for " + process.pid());
    }

    /** "anon + file" MiB of the resident set, from /proc. */
    String rssSplit() throws IOException {
        long anon = 0, file = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (l.startsWith("RssAnon:")) anon = Long.parseLong(l.replaceAll("[^0-9]", ""));
            if (l.startsWith("RssFile:") || l.startsWith("RssShmem:")) file += Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        return String.format(java.util.Locale.ROOT, "%.0f + %.0f", anon / 1024.0, file / 1024.0);
    }

    void closeStdin() {
        try {
            OutputStream o = process.getOutputStream();
            o.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** SIGTERM, then SIGKILL after 3 s; this process only (its own id). */
    void stop() {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closeStdin();
        stop();
    }

    static void stopAll() {
        for (Proc p : ALL) p.stop();
    }
}
