package lanchat.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import lanchat.bench.ResultTable.Figure;

import static lanchat.bench.Numbers.fmt;
import static lanchat.bench.Numbers.median;
import static lanchat.bench.Numbers.medianLong;

/** The report's goals table: each goal, the figure or ratio measured in this run, and whether it was met. */
final class Goals {
    private Goals() {}

    static List<String> render(Findings f) {
        ResultTable t = new ResultTable(f.results());
        List<String> g = new ArrayList<>();
        g.add("### Goals");
        g.add("");
        g.add("| goal | measured | target | met? |");
        g.add("|---|---:|---:|---|");
        Figure rtt = ResultTable.figure("rtt", "p50_us"), rttInline = ResultTable.figure("rtt_inline", "p50_us");
        Figure tp = ResultTable.figure("throughput", "mb_s"), setup = ResultTable.figure("setup", "p50_us");
        ratio(g, "libp2p message RTT p50 ≤ 2× raw TCP (callbacks on an app thread)", t.value("libp2p>libp2p", rtt), t.value("tcp>tcp", rtt), 2.0, true);
        ratio(g, "libp2p message RTT p50 ≤ 2× raw TCP (callbacks on the I/O thread³)", t.value("libp2p>libp2p", rttInline), t.value("tcp>tcp", rtt), 2.0, true);
        ratio(g, "libp2p message RTT p50 no worse than go-libp2p (callbacks on an app thread)", t.value("libp2p>libp2p", rtt), t.value("go>go", rtt), 1.0, true);
        ratio(g, "libp2p message RTT p50 no worse than go-libp2p (callbacks on the I/O thread³)", t.value("libp2p>libp2p", rttInline), t.value("go>go", rtt), 1.0, true);
        ratio(g, "libp2p 1-stream throughput ≥ 50% of raw TCP", t.value("libp2p>libp2p", tp), t.value("tcp>tcp", tp), 0.5, false);
        ratio(g, "libp2p 1-stream throughput ≥ 80% of go-libp2p", t.value("libp2p>libp2p", tp), t.value("go>go", tp), 0.8, false);
        ratio(g, "libp2p 1-stream throughput ≥ 2× js-libp2p", t.value("libp2p>libp2p", tp), t.value("js>js", tp), 2.0, false);
        if (!f.newerJdkVersion().isEmpty()) {
            String on = " (both LAN Chat peers on JDK " + f.newerJdkVersion() + "⁴, for reference)";
            ratio(g, "libp2p 1-stream throughput ≥ 50% of raw TCP" + on, t.value("libp2p-newjdk>libp2p-newjdk", tp), t.value("tcp>tcp", tp), 0.5, false);
            ratio(g, "libp2p 1-stream throughput ≥ 80% of go-libp2p" + on, t.value("libp2p-newjdk>libp2p-newjdk", tp), t.value("go>go", tp), 0.8, false);
            ratio(g, "libp2p 1-stream throughput ≥ 2× js-libp2p" + on, t.value("libp2p-newjdk>libp2p-newjdk", tp), t.value("js>js", tp), 2.0, false);
        }
        ratio(g, "libp2p setup p50 no slower than go-libp2p", t.value("libp2p>libp2p", setup), t.value("go>go", setup), 1.0, true);
        Optional<Double> start = libp2pRow(f, "default", r -> r.secs().isEmpty() ? null : median(r.secs()));
        Optional<Double> startSmall = libp2pRow(f, "small", r -> r.secs().isEmpty() ? null : median(r.secs()));
        absolute(g, "startup to `Listening on` ≤ 0.6 s (libp2p, default flags)", start, 0.6, "s");
        absolute(g, "startup to `Listening on` ≤ 0.6 s (libp2p, `./lanchat` launcher's small flags)", startSmall, 0.6, "s");
        Optional<Double> rssSmall = libp2pRow(f, "small", r -> r.idleKiB().isEmpty() ? null : medianLong(r.idleKiB()) / 1024.0);
        Optional<Double> rssDefault = libp2pRow(f, "default", r -> r.idleKiB().isEmpty() ? null : medianLong(r.idleKiB()) / 1024.0);
        absolute(g, "discovery: 2nd node's start → `✓ mDNS connected` on both ends ≤ 1 s p50", f.discovery() == null ? Optional.empty()
                : Optional.of(median(f.discovery().joins().stream().map(DiscoveryBench.Join::fromStartSecs).toList())), 1.0, "s");
        absolute(g, "idle RSS ≤ 64 MiB with the `./lanchat` launcher's small flags (libp2p)", rssSmall, 64, "MiB");
        absolute(g, "idle RSS ≤ 64 MiB, default JVM flags (for reference)", rssDefault, 64, "MiB");
        // issue 16's goals, on the launcher as a user runs it (its flags and its class-data archive)
        absolute(g, "startup to `Listening on` ≤ 0.25 s (libp2p, `./lanchat` with its class-data archive, issue 16)",
                libp2pRow(f, StartupRow.LAUNCHER, r -> r.secs().isEmpty() ? null : median(r.secs())), 0.25, "s");
        absolute(g, "idle RSS ≤ 48 MiB (libp2p, `./lanchat` with its class-data archive, issue 16)",
                libp2pRow(f, StartupRow.LAUNCHER, r -> r.idleKiB().isEmpty() ? null : medianLong(r.idleKiB()) / 1024.0), 48, "MiB");
        return g;
    }

    /** {@code figure} of the first LAN Chat libp2p startup row with these flags for which it is not null. */
    private static Optional<Double> libp2pRow(Findings f, String flags, Function<StartupRow, Double> figure) {
        return f.startup().stream().filter(r -> r.node().contains("--transport libp2p") && r.flags().equals(flags))
                .map(figure).filter(v -> v != null).findFirst();
    }

    /** Ours ÷ base against a factor. */
    private static void ratio(List<String> g, String name, Optional<Double> ours, Optional<Double> base, double factor, boolean lowerBetter) {
        if (ours.isEmpty() || base.isEmpty()) {
            g.add("| " + name + " | not measured | | — |");
            return;
        }
        double r = ours.get() / base.get();
        boolean met = lowerBetter ? r <= factor : r >= factor;
        g.add("| " + name + " | " + fmt(r, 2) + "× (" + fmt(ours.get(), 1) + " vs " + fmt(base.get(), 1) + ") | " + (lowerBetter ? "≤ " : "≥ ") + fmt(factor, 1)
                + "× | " + (met ? "**met**" : "**missed**") + " |");
    }

    /** A value against an upper limit. */
    private static void absolute(List<String> g, String name, Optional<Double> v, double limit, String unit) {
        if (v.isEmpty()) {
            g.add("| " + name + " | not measured | | — |");
            return;
        }
        g.add("| " + name + " | " + fmt(v.get(), 2) + " " + unit + " | ≤ " + fmt(limit, limit == Math.floor(limit * 10) / 10 ? 1 : 2) + " " + unit + " | " + (v.get() <= limit ? "**met**" : "**missed**") + " |");
    }
}
