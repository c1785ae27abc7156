package lanchat.bench;

import java.util.List;

/**
 * One row of the startup and memory table.
 *
 * @param flags     "default", "small" (the launcher's flags on plain {@code java}), {@value #LAUNCHER} (the launcher
 *                  itself, with its class-data archive) or "—" (not a JVM)
 * @param ready     the line that counts as started, "exit" when the time to exit is measured
 * @param secs      process start → ready, one per run
 * @param idleKiB   VmRSS a while after ready, one per run (none for rows that exit)
 * @param peersKiB  VmRSS with 50 peers connected, null when not measured
 * @param peersNote how the 50-peer hold went when it did not, or what the node printed
 * @param rssSplit  "anon + file" MiB of the last run, "" when not measured
 * @param jvm       "creation ms / classes / threads" from the JVM's counters, "" when not read
 */
record StartupRow(String node, String flags, String ready, List<Double> secs, List<Long> idleKiB, Long peersKiB, String peersNote,
                  String rssSplit, String jvm) {
    static final String LAUNCHER = "launcher + CDS";
}
