package lanchat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Optional;

import static lanchat.bench.Numbers.fmt;

/**
 * The machine and tree a run measured on, for the report's header: hardware, tool versions, the commit and how
 * loaded the machine was.
 *
 * @param cpus               available processors
 * @param memory             e.g. "15.5 GiB", "?" when unknown
 * @param uncommittedChanges lines of {@code git status --porcelain}: work in progress measured along
 * @param loadStart          1, 5 and 15 min load average at the start of the run, e.g. "0.52, 0.61, 0.70"
 */
record Machine(LocalDateTime measuredAt, String cpu, int cpus, String memory, String kernel, String jdk, String go, String node,
               String head, long uncommittedChanges, String loadStart, String loadEnd) {

    /** Busy: the 1-minute load average, at start or end, above half the core count. */
    boolean loaded() {
        return Math.max(parseLoad(loadStart), parseLoad(loadEnd)) > 0.5 * cpus;
    }

    /** Probes this machine now; {@code loadStart} is {@link #loadavg()} taken when the run began. */
    static Machine probe(Path repo, String loadStart) {
        String cpu = grepFile("/proc/cpuinfo", "model name").map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        String mem = grepFile("/proc/meminfo", "MemTotal").map(l -> fmt(Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0, 1) + " GiB").orElse("?");
        String loadEnd = loadavg();
        String dirty = Commands.output("git", "--no-optional-locks", "-C", repo.toString(), "status", "--porcelain");
        return new Machine(LocalDateTime.now(), cpu, Runtime.getRuntime().availableProcessors(), mem, Commands.output("uname", "-r"),
                System.getProperty("java.vm.name") + ' ' + System.getProperty("java.runtime.version"),
                Commands.output("go", "version").replace("go version ", ""), Commands.output("node", "--version"),
                Commands.output("git", "-C", repo.toString(), "rev-parse", "--short", "HEAD"),
                dirty.isBlank() ? 0 : dirty.lines().count(), loadStart, loadEnd);
    }

    /** "1min, 5min, 15min" from /proc/loadavg, "?" when unreadable. */
    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** The 1-minute figure of a {@link #loadavg()} string, 0 when it is not a number. */
    static double parseLoad(String s) {
        try {
            return Double.parseDouble(s.split(",")[0].trim());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static Optional<String> grepFile(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
