package lanchat.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One machine-readable result line, printed by every bench peer (Java, go, js) on stdout:
 *
 * <pre>
 * BENCH rtt p50_us=41.2 p99_us=88.0 max_us=912.3 mean_us=45.0 n=10000
 * BENCH throughput mb_s=812.4 bytes=1073741824 secs=1.322 write=65536
 * BENCH setup error=dial_refused
 * </pre>
 *
 * Keys and values never contain spaces; {@code error=} replaces the figures when a measurement failed.
 */
public record BenchResult(String kind, Map<String, String> fields) {
    public static Optional<BenchResult> parse(String line) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length < 2 || !parts[0].equals("BENCH")) return Optional.empty();
        Map<String, String> f = new LinkedHashMap<>();
        for (int i = 2; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0) f.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        return Optional.of(new BenchResult(parts[1], f));
    }

    public boolean ok() { return !fields.containsKey("error"); }

    public double num(String key) {
        String v = fields.get(key);
        if (v == null) throw new IllegalArgumentException("BENCH " + kind + " has no " + key + ": " + fields);
        return Double.parseDouble(v);
    }

    /** A value safe for a BENCH line: no whitespace. */
    public static String token(String s) {
        if (s == null || s.isBlank()) return "unknown";
        String t = s.strip().replaceAll("\\s+", "_");
        return t.length() > 160 ? t.substring(0, 160) : t;
    }
}
