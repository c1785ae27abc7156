package lanchat.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JFR (settings=profile) on both ends of a LAN Chat libp2p throughput run, plus the native memory summary of an idle
 * node: where CPU time and memory go. Separate runs, so the figures of the matrix carry no profiler overhead. The
 * result is Markdown lines for the report.
 */
final class Profile {
    private static final Pattern NMT_CATEGORY = Pattern.compile("^-?\\s*([A-Za-z][A-Za-z ]+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern NMT_TOTAL = Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB");

    private final RunContext ctx;
    private final List<String> lines = new ArrayList<>();

    Profile(RunContext ctx) {
        this.ctx = ctx;
    }

    /** The lines so far (also after a failure part way). */
    List<String> lines() {
        return lines;
    }

    /** {@code mods}: a snapshot of the built module directory, null when there is none (no memory profile then). */
    void run(Path mods) throws Exception {
        Plan plan = ctx.plan();
        Path srvJfr = ctx.work().resolve("profile-server.jfr"), cliJfr = ctx.work().resolve("profile-client.jfr");
        List<String> peer = List.of("-cp", ctx.classPath(), BenchPeer.class.getName(), "-transport", "libp2p");
        List<String> srvCmd = new ArrayList<>(List.of(ctx.java(), "-XX:StartFlightRecording=dumponexit=true,settings=profile,filename=" + srvJfr));
        srvCmd.addAll(peer);
        srvCmd.addAll(List.of("-bench", "echo", "-timeout", "200"));
        try (Proc srv = ctx.start("profile-server", srvCmd)) {
            String addr = srv.awaitListenAddress(30_000).orElseThrow(() -> new IOException("profile server did not start"));
            List<String> cliCmd = new ArrayList<>(List.of(ctx.java(), "-XX:StartFlightRecording=dumponexit=true,settings=profile,filename=" + cliJfr));
            cliCmd.addAll(peer);
            cliCmd.addAll(List.of("-bench", "throughput", "-dial", addr, "-bytes", String.valueOf(plan.tpBytes()), "-warmup-bytes", String.valueOf(plan.tpWarmup()),
                    "-timeout", String.valueOf(plan.clientTimeout())));
            try (Proc cli = ctx.start("profile-client", cliCmd)) {
                for (BenchResult r : cli.results(TimeUnit.SECONDS.toMillis(plan.clientTimeout() + 20))) {
                    lines.add("Profiled run (JFR on, not in the table): libp2p throughput " + r.fields().getOrDefault("mb_s", r.fields().toString()) + " MB/s.");
                }
            }
            srv.stop(); // SIGTERM: the JVM dumps the recording on exit
        }
        lines.add("");
        lines.addAll(JfrSummary.summarize("receiver (echo server: decrypt, yamux, line decoding, listener)", srvJfr, 12));
        lines.add("");
        lines.addAll(JfrSummary.summarize("sender (SpiClient: send(), line encoding, encrypt)", cliJfr, 12));
        lines.add("");
        if (mods != null) lines.addAll(memoryProfile(mods));
    }

    /** NMT summary and RSS of an idle LAN Chat node, default and small flags. */
    private List<String> memoryProfile(Path mods) throws Exception {
        List<String> out = new ArrayList<>();
        out.add("Idle `--transport libp2p` node with `-XX:NativeMemoryTracking=summary` (committed KiB by NMT category; NMT itself costs a little):");
        out.add("");
        out.add("| category | default flags | small flags |");
        out.add("|---|---:|---:|");
        Map<String, long[]> cats = new LinkedHashMap<>();
        for (int k = 0; k < 2; k++) {
            List<String> cmd = new ArrayList<>(List.of(ctx.java(), "-XX:NativeMemoryTracking=summary"));
            if (k == 1) cmd.addAll(ctx.smallFlags());
            cmd.addAll(List.of("-p", mods.toString(), "-m", "lanchat.app", "-port", "0", "--host", "127.0.0.1"));
            try (Proc p = ctx.start("nmt-" + k, cmd)) {
                if (p.await(l -> l.startsWith("Listening on "), 30_000).isEmpty()) throw new IOException("node did not start");
                Thread.sleep(ctx.plan().idleMillis());
                long rss = p.rssKiB();
                final int column = k;
                committedKiB(Commands.jcmd(p.process.pid(), "VM.native_memory", "summary"))
                        .forEach((cat, kib) -> cats.computeIfAbsent(cat, x -> new long[2])[column] = kib);
                cats.computeIfAbsent("VmRSS (whole process)", x -> new long[2])[k] = rss;
            }
        }
        cats.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
                .filter(e -> e.getValue()[0] + e.getValue()[1] >= 1024 || e.getKey().startsWith("Total") || e.getKey().startsWith("VmRSS"))
                .forEach(e -> out.add("| " + e.getKey() + " | " + e.getValue()[0] + " | " + e.getValue()[1] + " |"));
        return out;
    }

    /**
     * Committed KiB by category from {@code jcmd VM.native_memory summary} output, in the order printed; the total
     * is filed as "Total (NMT)".
     */
    static Map<String, Long> committedKiB(String nmt) {
        Map<String, Long> cats = new LinkedHashMap<>();
        for (String line : nmt.split("\n")) {
            Matcher m = NMT_CATEGORY.matcher(line.trim().replaceFirst("^-\\s*", ""));
            if (m.find()) cats.put(m.group(1).trim(), Long.parseLong(m.group(3)));
            Matcher t = NMT_TOTAL.matcher(line.trim());
            if (t.find()) cats.put("Total (NMT)", Long.parseLong(t.group(2)));
        }
        return cats;
    }
}
