package lanchat.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The suite's command line: {@code [--quick|--full] [--repo DIR] [--out FILE] [--skip-jmh] [--skip-profile]
 * [--pairs CLIENT>SERVER,…] [--startup-only]}. {@code out} defaults to {@code BENCHMARKS.md} in the repository.
 * {@code --pairs} runs only those pairs of the end-to-end matrix and nothing else, {@code --startup-only} only the
 * startup and memory rows (to try new rows, or measure one change, without the whole suite; give either an
 * {@code --out} other than BENCHMARKS.md, whose generated part would lose every other figure).
 */
record SuiteArgs(Plan plan, Path repo, Path out, boolean jmh, boolean profile, List<String> pairs, boolean startupOnly) {
    static final String USAGE = "usage: BenchSuite [--quick|--full] [--repo DIR] [--out FILE] [--skip-jmh] [--skip-profile] [--pairs CLIENT>SERVER,...] [--startup-only]";

    /** Relative paths resolve against {@code cwd}; a bad flag or a missing value is an {@link IllegalArgumentException}. */
    static SuiteArgs parse(String[] args, Path cwd) {
        Plan plan = Plan.QUICK;
        Path repo = cwd.toAbsolutePath();
        Path out = null;
        boolean jmh = true, profile = true, startupOnly = false;
        List<String> pairs = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> plan = Plan.QUICK;
                case "--full" -> plan = Plan.FULL;
                case "--repo" -> repo = cwd.resolve(value(args, ++i)).toAbsolutePath();
                case "--out" -> out = cwd.resolve(value(args, ++i)).toAbsolutePath();
                case "--skip-jmh" -> jmh = false;
                case "--skip-profile" -> profile = false;
                case "--pairs" -> pairs = List.of(value(args, ++i).split(","));
                case "--startup-only" -> startupOnly = true;
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        return new SuiteArgs(plan, repo, out != null ? out : repo.resolve("BENCHMARKS.md"), jmh, profile, pairs, startupOnly);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
        return args[i];
    }
}
