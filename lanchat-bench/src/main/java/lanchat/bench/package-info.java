/**
 * LAN Chat's benchmark harness; nothing here ships. {@code scripts/bench.sh} builds the tree and runs {@link
 * lanchat.bench.BenchSuite}, which rewrites the generated part of BENCHMARKS.md.
 *
 * <p>Two halves:
 * <ul>
 *   <li><b>Bench peers</b>, one process per measurement: {@link lanchat.bench.BenchPeer} (LAN Chat through the
 *       transport SPI: {@code SpiClient}, {@code SpiEcho}; the raw socket baseline: {@code RawTcp}) speaks the same
 *       {@link lanchat.bench.BenchProtocol} and prints the same {@link lanchat.bench.BenchResult} lines as the go and
 *       js interop peers' {@code -bench} mode.</li>
 *   <li><b>The suite</b>: {@code BenchSuite} parses {@code SuiteArgs}, picks a {@code Plan} (quick or full) and runs
 *       each step within the plan's time budget, sharing a {@code RunContext}: {@code JmhCodecs} (the JMH benchmarks
 *       of {@code lanchat.bench.jmh}), {@code Matrix} (every client against every echo server over 127.0.0.1, among
 *       the {@code Implementations} found on this machine), {@code StartupAndMemory}, {@code DiscoveryBench} (network
 *       namespaces) and {@code Profile} (JFR, NMT). What they measured becomes {@code Findings}, with the
 *       {@code Machine} they ran on; {@code Report} renders it (the end-to-end {@code ResultTable}, {@code Goals})
 *       and splices it into the file.</li>
 * </ul>
 *
 * Every process the suite starts is a {@code Proc}, bounded in time and ended by the suite.
 */
package lanchat.bench;
