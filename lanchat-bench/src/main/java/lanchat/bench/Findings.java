package lanchat.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything one run measured, as {@link Report} renders it.
 *
 * @param runSecs         whole seconds the run took until the report
 * @param results         "client>server/kind" → the BENCH line of that measurement
 * @param discovery       join and fan-out figures, null when not measured
 * @param discoveryError  why discovery was not measured, null when it was or did not run
 * @param profile         Markdown lines of the JFR and NMT profile, empty when not run
 * @param notes           what went wrong or was left out, in order
 * @param logDir          this run's log directory, relative to the repository
 */
record Findings(Plan plan, Machine machine, String runSecs, List<String> smallFlags, String newerJdkVersion,
                Map<String, BenchResult> results, List<StartupRow> startup, DiscoveryBench.Result discovery, String discoveryError,
                List<JmhCodecs.Row> jmh, List<String> profile, List<String> notes, Path logDir) {}
