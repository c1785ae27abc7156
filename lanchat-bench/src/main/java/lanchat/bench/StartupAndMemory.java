package lanchat.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static lanchat.bench.Numbers.fmt;

/**
 * Node startup (process start → ready line) and resident memory, idle and with 50 peers connected, for LAN Chat
 * (default and launcher flags) and the interop peers, with the bare JVM and {@code --version} as references.
 */
final class StartupAndMemory {
    private final RunContext ctx;
    private final Plan plan;
    private final Implementations impls;
    private final List<String> notes;
    private final List<StartupRow> rows = new ArrayList<>();

    StartupAndMemory(RunContext ctx, Implementations impls, List<String> notes) {
        this.ctx = ctx;
        this.plan = ctx.plan();
        this.impls = impls;
        this.notes = notes;
    }

    /** The rows measured so far (also after a failure part way). */
    List<StartupRow> rows() {
        return rows;
    }

    /** {@code mods}: a snapshot of the built module directory, null when there is none with the app in it. */
    void run(Path mods) throws Exception {
        if (mods == null) {
            notes.add("startup and memory not measured: mods/ has no lanchat-app jar (build first)");
            return;
        }
        String java = ctx.java();
        // references: the bare JVM, and the app's module graph + flag parsing without networking
        row("JVM alone: `java -version`", "default", "exit", List.of(java, "-version"), null, false);
        row("LAN Chat `--version` (module graph, picocli)", "default", "exit", List.of(java, "-p", mods.toString(), "-m", "lanchat.app", "--version"), null, false);
        for (String transport : List.of("libp2p", "netty")) {
            for (boolean small : List.of(false, true)) {
                List<String> cmd = new ArrayList<>(List.of(java));
                if (small) cmd.addAll(ctx.smallFlags());
                cmd.addAll(List.of("-p", mods.toString(), "-m", "lanchat.app", "-port", "0", "--host", "127.0.0.1", "--transport", transport,
                        "--limit", SpiClient.ONE_HOST_LIMIT + "=64")); // its 50 bench peers all come from 127.0.0.1
                // 50 connecting peers take ~10 s a row: quick mode does it for libp2p only
                row("LAN Chat `--transport " + transport + "`", small ? "small" : "default", "Listening on", cmd,
                        l -> l.startsWith("Listening on "), plan.isFull() || transport.equals("libp2p"));
            }
        }
        launcherRow(mods);
        Impl go = impls.get("go"), js = impls.get("js");
        if (go.available()) row("go-peer (go-libp2p, ed25519)", "—", "PEERID", go.cmd(), l -> l.startsWith("PEERID"), false);
        if (js.available()) row("js-peer (js-libp2p, ed25519)", "—", "PEERID", js.cmd(), l -> l.startsWith("PEERID"), false);
    }

    /**
     * The {@code ./lanchat} launcher itself on the run's copy of mods/ (issue 16): its small flags, the runtime image
     * mods/image when the build linked one, and its static class-data archive, which the "small flags" rows (plain
     * {@code java} with the same flags) do not have. The launcher's first run records the classes it loads (written as
     * it exits), its second dumps mods/lanchat.jsa from them before it starts; neither is timed, so the row shows the
     * starts a user has from the third on.
     */
    private void launcherRow(Path mods) throws Exception {
        List<String> cmd = List.of("env", "LANCHAT_MODS=" + mods, "sh", ctx.repo().resolve("lanchat").toString(),
                "-port", "0", "--host", "127.0.0.1", "--transport", "libp2p");
        for (String step : List.of("record", "dump")) {
            try (Proc untimed = ctx.start("startup-launcher-archive-" + step, cmd)) {
                // the dump (a few seconds on a quiet machine) comes before the second run's JVM starts
                if (untimed.await(l -> l.startsWith("Listening on "), 120_000).isEmpty()) throw new IOException("./lanchat (" + step + "): no 'Listening on' line within 120 s");
                untimed.process.destroy(); // SIGTERM: the JVM exits normally (and the first finishes its class list)
                if (!untimed.process.waitFor(30, TimeUnit.SECONDS)) throw new IOException("./lanchat (" + step + ") did not exit");
            }
        }
        if (java.nio.file.Files.isRegularFile(mods.resolve("lanchat.jsa.failed"))) notes.add("./lanchat row: the launcher's archive dump failed (see mods/lanchat.jsa.failed of the run's copy)");
        else if (!java.nio.file.Files.isRegularFile(mods.resolve("lanchat.jsa"))) notes.add("./lanchat row: the launcher wrote no class-data archive");
        notes.add(java.nio.file.Files.isExecutable(mods.resolve("image").resolve("bin").resolve("java"))
                ? "./lanchat row: started from the runtime image mods/image (jlink, scripts/build-image.sh)"
                : "./lanchat row: started from the module path (the build linked no runtime image; its build-image line says why)");
        row("LAN Chat `--transport libp2p` via `./lanchat`", StartupRow.LAUNCHER, "Listening on", cmd, l -> l.startsWith("Listening on "), false);
    }

    /** {@code ready} null: time until the process exits. {@code withPeers}: on the last run, 50 nodes connect. */
    private void row(String node, String flags, String readyName, List<String> cmd, Predicate<String> ready, boolean withPeers) throws Exception {
        List<Double> secs = new ArrayList<>();
        List<Long> idle = new ArrayList<>();
        Long peers = null;
        String peersNote = "", rssSplit = "", jvm = "";
        String tag = node.replaceAll("[^A-Za-z0-9]+", "-") + "-" + flags;
        for (int r = 0; r < plan.startRuns(); r++) {
            try (Proc p = ctx.start("startup-" + tag + "-" + r, cmd)) {
                if (ready == null) {
                    if (!p.process.waitFor(30, TimeUnit.SECONDS)) throw new IOException(node + " did not exit");
                    secs.add((System.nanoTime() - p.startedNanos) / 1e9);
                    continue;
                }
                Optional<Proc.Line> l = p.await(ready, 30_000);
                if (l.isEmpty()) throw new IOException(node + ": no '" + readyName + "' line within 30 s");
                secs.add((l.get().nanos() - p.startedNanos) / 1e9);
                Thread.sleep(plan.idleMillis());
                idle.add(p.rssKiB());
                if (r == plan.startRuns() - 1) rssSplit = p.rssSplit();
                if (withPeers && r == plan.startRuns() - 1) {
                    String addr = l.get().text().substring("Listening on ".length()).trim();
                    String transport = cmd.get(cmd.indexOf("--transport") + 1);
                    List<String> javaPeer = impls.get("tcp").cmd();
                    try (Proc hold = ctx.start("hold-" + tag, Commands.concat(javaPeer.subList(0, javaPeer.size() - 1),
                            transport, "-bench", "hold", "-conns", "50", "-dial", addr, "-timeout", "90"))) {
                        Optional<Proc.Line> held = hold.await(s -> s.startsWith("BENCH hold"), 60_000);
                        if (held.isPresent() && held.get().text().contains("connected=50")) {
                            Thread.sleep(plan.idleMillis());
                            peers = p.rssKiB();
                            long connected = p.output().stream().filter(s -> s.contains("connected to")).count();
                            peersNote = connected + " connected-lines printed by the node";
                        } else {
                            peersNote = "hold failed: " + held.map(Proc.Line::text).orElse("no BENCH hold line");
                        }
                    }
                    jvm = perfSummary(Commands.jcmd(p.process.pid(), "PerfCounter.print")); // last: attaching adds a thread
                }
            }
        }
        rows.add(new StartupRow(node, flags, readyName, secs, idle, peers, peersNote, rssSplit, jvm));
        Progress.say(String.format(Locale.ROOT, "  %-48s %-7s start %s s  idle %s MiB  50 peers %s MiB", node, flags,
                secs.stream().map(d -> fmt(d, 2)).collect(Collectors.joining(",")),
                idle.stream().map(k -> fmt(k / 1024.0, 0)).collect(Collectors.joining(",")), peers == null ? "—" : fmt(peers / 1024.0, 0)));
    }

    /**
     * "JVM creation ms / classes loaded / live threads" from {@code jcmd PerfCounter.print} output
     * ({@code name=value} lines): creation is {@code createVmEndTime − createVmBeginTime}, classes count the loaded
     * and the shared-loaded ones; "?" or -1 for a counter that is missing.
     */
    static String perfSummary(String perf) {
        Map<String, Long> v = new LinkedHashMap<>();
        for (String l : perf.split("\n")) {
            int eq = l.indexOf('=');
            if (eq < 0) continue;
            try {
                v.put(l.substring(0, eq).trim(), Long.parseLong(l.substring(eq + 1).trim().replace("\"", "")));
            } catch (NumberFormatException ignored) {
                // a string counter
            }
        }
        Long begin = v.get("sun.rt.createVmBeginTime"), end = v.get("sun.rt.createVmEndTime");
        return String.format(Locale.ROOT, "%s ms / %s / %s",
                begin != null && end != null ? String.valueOf(end - begin) : "?", v.getOrDefault("java.cls.loadedClasses", -1L) + v.getOrDefault("java.cls.sharedLoadedClasses", 0L),
                v.getOrDefault("java.threads.live", -1L));
    }
}
