package lanchat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The Markdown report rendered from a fixed set of results: table layout, cells, ratios, footnotes, goals, splicing. */
class ReportTest {
    private static final List<String> SMALL_FLAGS = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx128m");

    static Machine machine(String loadStart, String loadEnd) {
        return new Machine(LocalDateTime.of(2025, 3, 4, 5, 6), "Test CPU", 2, "15.5 GiB", "6.1.0", "OpenJDK 17", "go1.22", "v20.1.0",
                "abc1234", 0, loadStart, loadEnd);
    }

    static Map<String, BenchResult> results(String... lines) {
        Map<String, BenchResult> r = new LinkedHashMap<>();
        for (String l : lines) {
            int sp = l.indexOf(' ');
            r.put(l.substring(0, sp), BenchResult.parse(l.substring(sp + 1)).orElseThrow());
        }
        return r;
    }

    /** A quick run where most things were measured, with one error of each kind the report explains. */
    static Findings measured() {
        Map<String, BenchResult> results = results(
                "tcp>tcp/rtt BENCH rtt p50_us=12.3 p99_us=45.6 max_us=900.1 mean_us=14.0 n=5000",
                "tcp>tcp/throughput BENCH throughput mb_s=2500.5 bytes=1 secs=1 write=65536",
                "tcp>tcp/setup BENCH setup p50_us=150.0 p99_us=400.0 max_us=900.0 mean_us=160.0 n=100",
                "libp2p>libp2p/rtt BENCH rtt p50_us=30.5 p99_us=99.9 max_us=2000.0 mean_us=35.0 n=5000",
                "libp2p>libp2p/throughput BENCH throughput mb_s=700.25 bytes=1 secs=1 write=65536",
                "libp2p>libp2p/ping BENCH ping p50_us=40.0 p99_us=80.0 max_us=100.0 mean_us=41.0 n=1000 reported_p50_us=20.0 reported_p99_us=50.0 failures=0",
                "libp2p>libp2p/setup BENCH setup p50_us=2500.0 p99_us=9000.0 max_us=12000.0 mean_us=3000.0 n=100",
                "libp2p>libp2p/rtt_inline BENCH rtt p50_us=20.0 p99_us=60.0 max_us=300.0 mean_us=22.0 n=5000",
                "go>libp2p/ping BENCH ping p50_us=50.0 p99_us=90.0 max_us=100.0 mean_us=51.0 n=1000 failures=3",
                "js>libp2p/ping BENCH ping error=Too_many_outbound_protocol_streams_for_protocol_\"/ipfs/ping/1.0.0\"",
                "go>go/rtt BENCH rtt p50_us=25.0 p99_us=55.0 max_us=400.0 mean_us=26.0 n=5000",
                "go>go/throughput BENCH throughput mb_s=1200 bytes=1 secs=1 write=65536",
                "go>go/setup BENCH setup p50_us=1800.0 p99_us=5000.0 max_us=8000.0 mean_us=2000.0 n=100",
                "netty>netty/rtt BENCH rtt p50_us=9.87 p99_us=20.0 max_us=100.0 mean_us=10.0 n=5000",
                "netty>netty/setup BENCH setup error=no_result_line_(exit_1)",
                "libp2p-psk>libp2p-psk/rtt BENCH rtt p50_us=36.6 p99_us=99.9 max_us=2000.0 mean_us=40.0 n=5000",
                "libp2p-psk>libp2p-psk/throughput BENCH throughput mb_s=350.125 bytes=1 secs=1 write=65536",
                "go-psk>go-psk/throughput BENCH throughput mb_s=400 bytes=1 secs=1 write=65536",
                "go-psk>libp2p-psk/setup BENCH setup error=no_result_line_(exit_1)",
                "libp2p-unlimited>libp2p-unlimited/rtt BENCH rtt p50_us=30.0 p99_us=100.0 max_us=2000.0 mean_us=35.0 n=5000");
        List<StartupRow> startup = List.of(
                new StartupRow("JVM alone: `java -version`", "default", "exit", List.of(0.05, 0.04, 0.06), List.of(), null, "", "", ""),
                new StartupRow("LAN Chat `--transport libp2p`", "default", "Listening on", List.of(0.5, 0.45), List.of(80_000L, 90_000L), 120_000L,
                        "50 connected-lines printed by the node", "40 + 30", "120 ms / 3000 / 20"),
                new StartupRow("LAN Chat `--transport libp2p`", "small", "Listening on", List.of(0.55, 0.5), List.of(50_000L, 60_000L), null,
                        "hold failed: x", "30 + 20", ""),
                new StartupRow("LAN Chat `--transport libp2p` via `./lanchat`", StartupRow.LAUNCHER, "Listening on", List.of(0.3, 0.2), List.of(46_000L, 52_000L), null,
                        "", "30 + 19", ""));
        var discovery = new DiscoveryBench.Result(List.of(new DiscoveryBench.Join(0.8, 0.3), new DiscoveryBench.Join(0.9, 0.35),
                new DiscoveryBench.Join(0.7, 0.25)), List.of(3.5, 2.5, 10.25), 1.75, 6);
        List<JmhCodecs.Row> jmh = List.of(new JmhCodecs.Row("AeadBench.seal", "size=1024", "12345 ± 12", "ops/s", "12"));
        return new Findings(Plan.QUICK, machine("0.10, 0.20, 0.30", "0.40, 0.30, 0.20"), "290", SMALL_FLAGS, "25.0.1", results, startup, discovery, null,
                jmh, List.of("Profiled run: x"), List.of("js-libp2p not measured: node missing"), Path.of("lanchat-bench/target/bench-run/x"));
    }

    /** A full run on a loaded machine where nothing but the notes came out. */
    static Findings empty() {
        return new Findings(Plan.FULL, machine("1.50, 1.00, 0.50", "0.20, 0.20, 0.20"), "7", SMALL_FLAGS, "", Map.of(), List.of(), null, "needs root",
                List.of(), List.of(), List.of("JMH codec benchmarks failed: boom"), Path.of("lanchat-bench/target/bench-run/y"));
    }

    static List<String> lines(Findings f) {
        return Report.render(f).lines().toList();
    }

    static String line(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError("no line " + prefix));
    }

    static List<String> cells(String row) {
        String[] c = row.substring(1, row.length() - 1).split("\\|", -1);
        List<String> out = new ArrayList<>();
        for (String s : c) out.add(s.strip());
        return out;
    }

    @Test
    void everyRowOfTheEndToEndTableHasTheHeadersCellCount() {
        for (Findings f : List.of(measured(), empty())) {
            List<String> g = lines(f);
            int header = g.indexOf(g.stream().filter(l -> l.startsWith("| figure | unit |")).findFirst().orElseThrow());
            int columns = cells(g.get(header)).size();
            assertEquals(2 + ResultTable.PAIRS.size() + 4, columns);
            int rows = 0;
            for (int i = header + 1; i < g.size() && g.get(i).startsWith("|"); i++, rows++) {
                assertEquals(columns, cells(g.get(i)).size(), g.get(i));
            }
            assertEquals(1 + ResultTable.FIGURES.size() + (f.discovery() == null ? 2 : 4), rows);
        }
    }

    @Test
    void cellsAndRatiosComeFromTheResults() {
        List<String> g = lines(measured());
        List<String> rtt = cells(line(g, "| message round trip p50 |"));
        // pairs: libp2p (TLS), libp2p (Noise), netty, newer JDK, raw TCP, go↔go (TLS), go↔go (Noise), go→LAN Chat,
        // LAN Chat→go (TLS), LAN Chat→go (Noise), js↔js, js→LAN Chat, LAN Chat→js; then the ratios
        assertEquals(List.of("message round trip p50", "µs", "30.5", "—", "9.87", "—", "12.3", "25.0", "—", "—", "—", "—", "—", "—", "—",
                "2.48×", "1.22×", "—", "0.80×"), rtt);
        List<String> setup = cells(line(g, "| connection setup p50 |"));
        assertEquals(List.of("2.50", "—", "error¹", "—", "0.15", "1.80"), setup.subList(2, 8), "µs scaled to ms; a failed run is an error");
        assertEquals("16.67×", setup.get(15));
        List<String> ping = cells(line(g, "| ping RTT p50, as the transport reports it² |"));
        assertEquals("20.0", ping.get(2), "LAN Chat reports its own RTT");
        assertEquals("50.0", ping.get(9), "go has no separate RTT: the wall time stands in");
        assertEquals("error¹", ping.get(13));
        assertEquals(List.of("discovery p50: 2nd node's process start → `✓ mDNS connected` on both ends (3 runs)", "s", "0.80"),
                cells(line(g, "| discovery p50: 2nd node's process start")).subList(0, 3));
        assertEquals("3.5 / 10.3", cells(line(g, "| fan-out p50 / max")).get(2));
    }

    @Test
    void roomKeyAndLimitsTableSetsEachPairBesideItsBaseline() {
        for (Findings f : List.of(measured(), empty())) {
            List<String> g = lines(f);
            int header = g.indexOf(line(g, "| figure | unit | LAN Chat libp2p | LAN Chat libp2p, room key |"));
            int columns = 2 + ResultTable.KEY_AND_LIMITS.size() + ResultTable.KEY_AND_LIMITS_RATIOS.size();
            int rows = 0;
            for (int i = header; i < g.size() && g.get(i).startsWith("|"); i++, rows++) assertEquals(columns, cells(g.get(i)).size(), g.get(i));
            assertEquals(2 + Report.KEY_AND_LIMITS_FIGURES.size(), rows);
        }
        List<String> g = lines(measured());
        // columns: libp2p, libp2p with key, go↔go, go↔go with key, go→LAN Chat, go→LAN Chat with key, libp2p unlimited; then the ratios
        assertEquals(List.of("message round trip p50", "µs", "30.5", "36.6", "25.0", "—", "—", "—", "30.0", "1.20×", "—", "—", "1.02×"),
                cells(line(g, "| message round trip p50 | µs | 30.5 | 36.6 |")));
        assertEquals(List.of("throughput, 1 stream, 64 KiB writes", "MB/s", "700", "350", "1200", "400", "—", "—", "—", "0.50×", "0.33×", "—", "—"),
                cells(line(g, "| throughput, 1 stream, 64 KiB writes | MB/s | 700 | 350 |")));
        assertEquals("error¹", cells(line(g, "| connection setup p50 | ms | 2.50 | — | 1.80 |")).get(7), "a failed with-key run is an error");
        assertTrue(Report.render(measured()).contains("`go-psk>libp2p-psk/setup`: no_result_line_(exit_1)"));
    }

    @Test
    void footnotesNameFailuresAndErrors() {
        String r = Report.render(measured());
        assertTrue(r.contains("Failed pings (done again on a fresh connection, not in the figures): `go>libp2p` 3 ("), r);
        assertTrue(r.contains("¹ errors: `js>libp2p/ping`: Too_many_outbound_protocol_streams_for_protocol_\"/ipfs/ping/1.0.0\"; "
                + "`netty>netty/setup`: no_result_line_(exit_1); `go-psk>libp2p-psk/setup`: no_result_line_(exit_1)\n"));
        assertTrue(r.contains("\n“Too many outbound protocol streams … /ipfs/ping/1.0.0”: "));
        assertTrue(r.contains("⁴ The same LAN Chat libp2p bench peers, both on JDK 25.0.1 instead"));
        String none = Report.render(empty());
        assertFalse(none.contains("¹ errors"));
        assertFalse(none.contains("Failed pings"));
        assertTrue(none.contains("⁴ Not measured: no JDK 20 or later on this machine"));
    }

    @Test
    void goalsCompareWithTheirBaselines() {
        List<String> g = lines(measured());
        assertEquals("| libp2p message RTT p50 ≤ 2× raw TCP (callbacks on an app thread) | 2.48× (30.5 vs 12.3) | ≤ 2.0× | **missed** |",
                line(g, "| libp2p message RTT p50 ≤ 2× raw TCP (callbacks on an app"));
        assertEquals("| libp2p message RTT p50 ≤ 2× raw TCP (callbacks on the I/O thread³) | 1.63× (20.0 vs 12.3) | ≤ 2.0× | **met** |",
                line(g, "| libp2p message RTT p50 ≤ 2× raw TCP (callbacks on the I/O"));
        assertEquals("| libp2p 1-stream throughput ≥ 2× js-libp2p | not measured | | — |", line(g, "| libp2p 1-stream throughput ≥ 2× js-libp2p |"));
        assertTrue(line(g, "| libp2p 1-stream throughput ≥ 50% of raw TCP (both LAN Chat peers on JDK 25.0.1⁴").contains("not measured"));
        assertEquals("| startup to `Listening on` ≤ 0.6 s (libp2p, default flags) | 0.45 s | ≤ 0.6 s | **met** |",
                line(g, "| startup to `Listening on` ≤ 0.6 s (libp2p, default"));
        assertEquals("| idle RSS ≤ 64 MiB, default JVM flags (for reference) | 78.13 MiB | ≤ 64.0 MiB | **missed** |",
                line(g, "| idle RSS ≤ 64 MiB, default"));
        assertEquals("| startup to `Listening on` ≤ 0.25 s (libp2p, `./lanchat` with its class-data archive, issue 16) | 0.20 s | ≤ 0.25 s | **met** |",
                line(g, "| startup to `Listening on` ≤ 0.25 s"));
        assertEquals("| idle RSS ≤ 48 MiB (libp2p, `./lanchat` with its class-data archive, issue 16) | 44.92 MiB | ≤ 48.0 MiB | **met** |",
                line(g, "| idle RSS ≤ 48 MiB"));
        assertEquals("| discovery: 2nd node's start → `✓ mDNS connected` on both ends ≤ 1 s p50 | 0.80 s | ≤ 1.0 s | **met** |",
                line(g, "| discovery: 2nd node's start"));
        assertTrue(lines(empty()).stream().filter(l -> l.startsWith("| libp2p") || l.startsWith("| startup") || l.startsWith("| idle")
                || l.startsWith("| discovery:")).allMatch(l -> l.endsWith("| not measured | | — |")));
        assertTrue(lines(empty()).stream().noneMatch(l -> l.contains("JDK ⁴")), "no newer-JDK goals without a newer JDK");
    }

    @Test
    void startupRowsShowMedianRangeAndMemory() {
        List<String> g = lines(measured());
        assertEquals("| JVM alone: `java -version` | default | 0.05 (0.04–0.06) | — | — | — | — |", line(g, "| JVM alone"));
        assertEquals("| LAN Chat `--transport libp2p` | default | 0.45 (0.45–0.50) | 78 | 40 + 30 | 117 | 120 ms / 3000 / 20 |",
                line(g, "| LAN Chat `--transport libp2p` | default"));
        assertEquals("| LAN Chat `--transport libp2p` | small | 0.50 (0.50–0.55) | 49 | 30 + 20 | — (hold failed: x) | — |",
                line(g, "| LAN Chat `--transport libp2p` | small"));
        assertEquals("| LAN Chat `--transport libp2p` via `./lanchat` | launcher + CDS | 0.20 (0.20–0.30) | 45 | 30 + 19 | — | — |",
                line(g, "| LAN Chat `--transport libp2p` via"));
        assertTrue(Report.render(measured()).contains("Small flags: `-XX:+UseSerialGC -Xms8m -Xmx128m`, the flags of the `./lanchat` launcher, run by plain `java`."));
        assertTrue(Report.render(measured()).contains("whose static class-data archive its first two, untimed runs recorded and dumped. 2 runs each;"));
    }

    @Test
    void headerSaysModeMachineAndLoad() {
        List<String> quick = lines(measured());
        assertEquals(Report.BEGIN, quick.get(0));
        assertEquals(Report.END, quick.get(quick.size() - 1));
        assertEquals("## Results of the last run (quick mode)", line(quick, "## Results"));
        assertEquals("Measured 2025-03-04 05:06 in one run of `bash scripts/bench.sh` (290 s) on one machine:", line(quick, "Measured "));
        assertEquals("| CPU | Test CPU, nproc 2 |", line(quick, "| CPU "));
        assertTrue(quick.stream().noneMatch(l -> l.startsWith("**These figures come from a loaded")));
        assertTrue(line(quick, "Counts (quick mode)").contains("(quick mode: fewer than the 10,000 of `--full`)"));
        List<String> full = lines(empty());
        assertEquals("Measured 2025-03-04 05:06 in one run of `bash scripts/bench.sh --full` (7 s) on one machine:", line(full, "Measured "));
        assertTrue(full.stream().anyMatch(l -> l.startsWith("**These figures come from a loaded, shared machine**")), "load 1.5 on 2 cores");
        assertFalse(line(full, "Counts (full mode)").contains("quick mode"));
    }

    @Test
    void sectionsThatDidNotRunSaySo() {
        String r = Report.render(empty());
        assertTrue(r.contains("| discovery (mDNS, 2nd node start → connected on both ends) | s | not measured: needs root |"));
        assertTrue(r.contains("### JMH codec micro-benchmarks\n\nNot run (see notes).\n"));
        assertTrue(r.contains("### Profile (JFR) of the misses\n\nNot run (`--skip-profile`) or failed (see notes).\n"));
        assertTrue(r.contains("### Notes from this run\n\n- JMH codec benchmarks failed: boom\n"));
        assertTrue(r.contains("Raw logs of every process: `lanchat-bench/target/bench-run/y/` (not committed)."));
        String measured = Report.render(measured());
        assertTrue(measured.contains("| benchmark | params | score | unit | MB/s |\n|---|---|---:|---|---:|\n| AeadBench.seal | size=1024 | 12345 ± 12 | ops/s | 12 |\n"));
        assertTrue(measured.contains("One fork, 1×300 ms warm-up, 1×500 ms measured"));
    }

    @Test
    void spliceKeepsTheTextAroundTheMarkers() {
        String generated = Report.BEGIN + "\nnew\n" + Report.END + "\n";
        String old = "# Title\n\nhand-written\n\n" + Report.BEGIN + "\nold figures\n" + Report.END + "\n\nmore hand-written\n";
        assertEquals("# Title\n\nhand-written\n\n" + Report.BEGIN + "\nnew\n" + Report.END + "\n\nmore hand-written\n", Report.splice(old, generated));
        String fresh = Report.splice(null, generated);
        assertTrue(fresh.startsWith("# LAN Chat benchmarks\n\n") && fresh.endsWith(generated), fresh);
        String unmarked = Report.splice("notes\n", generated);
        assertTrue(unmarked.endsWith(generated + "\nnotes\n"), "a file without markers is kept below the new part");
    }
}
