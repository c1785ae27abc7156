package lanchat.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static lanchat.bench.Numbers.fmt;

/**
 * The end-to-end table's layout (its columns: client>server pairs; its rows: figures) and how a cell, a ratio or a
 * goal reads a figure out of the run's results.
 */
final class ResultTable {
    /** A column: the pair key ("client>server") and its heading. */
    record Pair(String key, String heading) {}

    /**
     * A row: one field of one kind of BENCH line.
     *
     * @param scale       multiplies the field (µs → ms)
     * @param lowerBetter latency (lower is better) or throughput
     * @param fallback    the field to read when the line has no {@code field} (js and go report no separate ping RTT)
     */
    record Figure(String label, String unit, String kind, String field, double scale, boolean lowerBetter, String fallback) {
        Figure(String label, String unit, String kind, String field, double scale, boolean lowerBetter) {
            this(label, unit, kind, field, scale, lowerBetter, null);
        }
    }

    static final List<Pair> PAIRS = List.of(
            new Pair("libp2p>libp2p", "LAN Chat libp2p, TLS⁶"),
            new Pair("libp2p-noise>libp2p-noise", "LAN Chat libp2p, Noise"),
            new Pair("netty>netty", "LAN Chat netty"),
            new Pair("libp2p-newjdk>libp2p-newjdk", "LAN Chat libp2p, newer JDK⁴"),
            new Pair("tcp>tcp", "raw TCP"),
            new Pair("go>go", "go↔go, TLS (go's default)"),
            new Pair("go-noise>go-noise", "go↔go, Noise"),
            new Pair("go>libp2p", "go→LAN Chat, TLS"),
            new Pair("libp2p>go", "LAN Chat→go, TLS"),
            new Pair("libp2p>go-noise", "LAN Chat→go, Noise"),
            new Pair("js>js", "js↔js, Noise"),
            new Pair("js>libp2p", "js→LAN Chat, Noise"),
            new Pair("libp2p>js", "LAN Chat→js, Noise"));

    /**
     * The second table's columns (issues 15 and 13): each pair without and with a room key (the same swarm key file at
     * both ends), and LAN Chat with every resource limit unlimited against the defaults.
     */
    static final List<Pair> KEY_AND_LIMITS = List.of(
            new Pair("libp2p>libp2p", "LAN Chat libp2p"),
            new Pair("libp2p-psk>libp2p-psk", "LAN Chat libp2p, room key"),
            new Pair("go>go", "go↔go"),
            new Pair("go-psk>go-psk", "go↔go, room key"),
            new Pair("go>libp2p", "go→LAN Chat"),
            new Pair("go-psk>libp2p-psk", "go→LAN Chat, room key"),
            new Pair("libp2p-unlimited>libp2p-unlimited", "LAN Chat libp2p, limits unlimited"));

    /** Each ratio column of the second table: {@code pair ÷ base}. */
    static final List<Pair> KEY_AND_LIMITS_RATIOS = List.of(
            new Pair("libp2p-psk>libp2p-psk/libp2p>libp2p", "LAN Chat: key ÷ open"),
            new Pair("go-psk>go-psk/go>go", "go: key ÷ open"),
            new Pair("go-psk>libp2p-psk/go>libp2p", "go→LAN Chat: key ÷ open"),
            new Pair("libp2p>libp2p/libp2p-unlimited>libp2p-unlimited", "default limits ÷ unlimited"));

    static final List<Figure> FIGURES = List.of(
            new Figure("message round trip p50", "µs", "rtt", "p50_us", 1, true),
            new Figure("message round trip p99", "µs", "rtt", "p99_us", 1, true),
            new Figure("message round trip max", "µs", "rtt", "max_us", 1, true),
            new Figure("message round trip p50, callbacks on the I/O thread³", "µs", "rtt_inline", "p50_us", 1, true),
            new Figure("message round trip p99, callbacks on the I/O thread³", "µs", "rtt_inline", "p99_us", 1, true),
            new Figure("ping RTT p50, as the transport reports it²", "µs", "ping", "reported_p50_us", 1, true, "p50_us"),
            new Figure("ping RTT p99, as the transport reports it²", "µs", "ping", "reported_p99_us", 1, true, "p99_us"),
            new Figure("ping() call p50, caller's wall time²", "µs", "ping", "p50_us", 1, true),
            new Figure("ping() call p99, caller's wall time²", "µs", "ping", "p99_us", 1, true),
            new Figure("throughput, 1 stream, 64 KiB writes", "MB/s", "throughput", "mb_s", 1, false),
            new Figure("throughput, 100 connections at once", "MB/s", "aggregate", "mb_s", 1, false),
            new Figure("throughput, 100 streams on one connection⁵", "MB/s", "streams", "mb_s", 1, false),
            new Figure("connection setup p50", "ms", "setup", "p50_us", 1e-3, true),
            new Figure("connection setup p99", "ms", "setup", "p99_us", 1e-3, true));

    private final Map<String, BenchResult> results;

    ResultTable(Map<String, BenchResult> results) {
        this.results = results;
    }

    static Figure figure(String kind, String field) {
        return FIGURES.stream().filter(f -> f.kind.equals(kind) && f.field.equals(field)).findFirst().orElseThrow();
    }

    /** The scaled figure of a pair, empty when not measured or failed. */
    Optional<Double> value(String pair, Figure f) {
        BenchResult r = results.get(pair + "/" + f.kind);
        if (r == null || !r.ok()) return Optional.empty();
        String field = r.fields().containsKey(f.field) ? f.field : f.fallback;
        if (field == null || !r.fields().containsKey(field)) return Optional.empty();
        return Optional.of(r.num(field) * f.scale);
    }

    /** Three significant-ish digits; "—" when not measured, "error¹" when the measurement failed. */
    String cell(String pair, Figure f) {
        BenchResult r = results.get(pair + "/" + f.kind);
        if (r == null) return "—";
        if (!r.ok()) return "error¹";
        return value(pair, f).map(v -> fmt(v, v >= 100 ? 0 : v >= 10 ? 1 : 2)).orElse("—");
    }

    /** {@code pair}'s figure divided by {@code base}'s, "—" when either is missing or the base is 0. */
    String ratio(String pair, String base, Figure f) {
        Optional<Double> a = value(pair, f), b = value(base, f);
        if (a.isEmpty() || b.isEmpty() || b.get() == 0) return "—";
        return fmt(a.get() / b.get(), 2) + "×";
    }
}
