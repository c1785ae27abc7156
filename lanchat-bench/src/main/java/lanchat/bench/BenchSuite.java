package lanchat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static lanchat.bench.Numbers.median;
import static lanchat.bench.Numbers.secs;
import static lanchat.bench.Progress.say;

/**
 * Runs every benchmark once, on this machine, and rewrites the generated part of BENCHMARKS.md: JMH codec
 * benchmarks ({@link JmhCodecs}), end-to-end figures for LAN Chat's two transports against their baselines (raw Java
 * TCP, go-libp2p, js-libp2p, all measured in this run: {@link Matrix}), node startup and memory
 * ({@link StartupAndMemory}), room discovery ({@link DiscoveryBench}), a short JFR profile ({@link Profile}); then
 * {@link Report} writes what they found.
 *
 * <pre>
 * java -cp 'lanchat-bench/target/lanchat-bench-VERSION.jar:lanchat-bench/target/lib/*' lanchat.bench.BenchSuite \
 *      [--quick|--full] [--repo DIR] [--out FILE] [--skip-jmh] [--skip-profile] [--pairs CLIENT>SERVER,…]
 * </pre>
 *
 * Each step is bounded in time and runs only while the plan's time budget lasts; a step that fails becomes a note in
 * the report and the others still run. Every child process is ended by the suite (its own ids only); all traffic
 * stays on 127.0.0.1. Logs of every process land in {@code lanchat-bench/target/bench-run/<time>/}.
 */
public final class BenchSuite {
    private final SuiteArgs args;
    private final RunContext ctx;
    private final long suiteStart = System.nanoTime();
    private final List<String> notes = new ArrayList<>();
    private DiscoveryBench.Result discovery;
    private String discoveryError;

    BenchSuite(SuiteArgs args) throws IOException {
        this.args = args;
        Path work = args.repo().resolve("lanchat-bench/target/bench-run/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        this.ctx = new RunContext(args.plan(), args.repo(), work, ProcessHandle.current().info().command().orElse("java"),
                System.getProperty("java.class.path"), LauncherFlags.read(args.repo()), suiteStart + TimeUnit.SECONDS.toNanos(args.plan().budgetSecs()));
    }

    public static void main(String[] argv) throws Exception {
        SuiteArgs args;
        try {
            args = SuiteArgs.parse(argv, Path.of(""));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(SuiteArgs.USAGE);
            System.exit(2);
            return;
        }
        System.exit(new BenchSuite(args).run());
    }

    int run() throws Exception {
        Plan plan = ctx.plan();
        Files.createDirectories(ctx.work());
        String loadStart = Machine.loadavg();
        say(plan.name() + " run, logs in " + ctx.logDir() + ", load average " + loadStart);
        Path mods = snapshotMods();
        Implementations impls = Implementations.find(ctx, notes);
        Matrix matrix = new Matrix(ctx, impls, notes, args.pairs());
        StartupAndMemory startup = new StartupAndMemory(ctx, impls, notes);
        Profile profile = new Profile(ctx);
        List<JmhCodecs.Row> jmh = new ArrayList<>();
        try {
            boolean all = args.pairs().isEmpty() && !args.startupOnly(); // --pairs: those pairs of the matrix only
            if (args.jmh() && all) step("JMH codec benchmarks", () -> jmh.addAll(JmhCodecs.run(ctx)));
            if (args.startupOnly()) step("startup and memory", () -> startup.run(mods));
            else step("end-to-end matrix", matrix::run);
            if (all) {
                step("startup and memory", () -> startup.run(mods));
                step("file transfer (lanchat-files)", () -> notes.addAll(FileBench.run(ctx.work(), plan.isFull() ? 1L << 30 : 256L << 20)));
                // the issue's sizes (10,000 to catch up, 100,000 in the store) in both modes: together about a minute
                step("room log (lanchat-room)", () -> notes.addAll(RoomBench.run(ctx.work().resolve("room"), 10_000, 100_000, mods, ctx.java())));
                step("discovery and fan-out (network namespaces)", () -> runDiscovery(mods));
                if (args.profile()) step("profile", () -> profile.run(mods));
            }
        } finally {
            Proc.stopAll();
        }
        Findings findings = new Findings(plan, Machine.probe(ctx.repo(), loadStart), secs(System.nanoTime() - suiteStart), ctx.smallFlags(),
                impls.newerJdkVersion(), matrix.results(), startup.rows(), discovery, discoveryError, jmh, profile.lines(), notes, ctx.logDir());
        Report.write(args.out(), findings);
        say("wrote " + args.out() + " in " + secs(System.nanoTime() - suiteStart) + " s");
        return 0;
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs one step unless the budget is used up; its failure becomes a note. */
    private void step(String name, Step s) {
        if (ctx.overBudget()) {
            notes.add(name + ": skipped, the run's time budget of " + ctx.plan().budgetSecs() + " s was used up");
            return;
        }
        long t0 = System.nanoTime();
        say(name + " …");
        try {
            s.run();
        } catch (Exception e) {
            notes.add(name + " failed: " + e);
            say(name + " FAILED: " + e);
        }
        say(name + " done in " + secs(System.nanoTime() - t0) + " s");
    }

    /** Room join and fan-out with real nodes in network namespaces (see {@link DiscoveryBench}); libp2p, small flags. */
    private void runDiscovery(Path mods) {
        Optional<String> why = DiscoveryBench.unavailable();
        if (why.isPresent()) {
            discoveryError = why.get();
            return;
        }
        int runs = ctx.plan().isFull() ? 10 : 5, nodes = ctx.plan().isFull() ? 10 : 6;
        try (DiscoveryBench b = new DiscoveryBench(ctx.repo(), mods, ctx.work())) {
            discovery = b.run(runs, nodes, 20);
            say(String.format(Locale.ROOT, "  join p50 %.2f s from start, %.2f s from `Listening on`; %d-node mesh %.2f s; fan-out p50 %.1f ms",
                    median(discovery.joins().stream().map(DiscoveryBench.Join::fromStartSecs).toList()),
                    median(discovery.joins().stream().map(DiscoveryBench.Join::fromListeningSecs).toList()),
                    discovery.meshNodes(), discovery.meshSecs(), median(discovery.fanoutMillis())));
        } catch (Exception e) {
            discoveryError = String.valueOf(e.getMessage());
        }
    }

    /** A copy of mods/ (other builds may rewrite it meanwhile); null when it holds no lanchat-app jar. */
    private Path snapshotMods() throws IOException {
        Path mods = ctx.repo().resolve("mods");
        if (!Files.isDirectory(mods)) return null;
        Path copy = ctx.work().resolve("mods");
        boolean app = false;
        // mods/lazy/ too: the crypto lanchat.api.crypto.LazyCrypto loads on first use (secp256k1 keys)
        for (String dir : List.of("", "lazy")) {
            if (!Files.isDirectory(mods.resolve(dir))) continue;
            Files.createDirectories(copy.resolve(dir));
            try (Stream<Path> s = Files.list(mods.resolve(dir))) {
                for (Path p : s.filter(x -> x.toString().endsWith(".jar")).toList()) {
                    Files.copy(p, copy.resolve(dir).resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                    app |= dir.isEmpty() && p.getFileName().toString().startsWith("lanchat-app-");
                }
            }
        }
        // the runtime image the build linked (scripts/build-image.sh), which ./lanchat starts from; times kept: the
        // launcher takes it only when no jar is newer than it
        Path image = mods.resolve("image");
        if (app && Files.isRegularFile(image.resolve("lib").resolve("modules"))) {
            try (Stream<Path> s = Files.walk(image)) {
                for (Path p : s.toList()) {
                    Path to = copy.resolve("image").resolve(image.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(to);
                    else Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return app ? copy : null;
    }
}
