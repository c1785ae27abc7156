package lanchat.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Latency samples in nanoseconds. Percentiles use the nearest-rank method on the sorted samples
 * ({@code sorted[ceil(q * n) - 1]}), the same formula the go and js bench peers use.
 */
public final class Stats {
    private final long[] sorted;

    public Stats(long[] nanos, int count) {
        if (count <= 0) throw new IllegalArgumentException("no samples");
        this.sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
    }

    public int n() { return sorted.length; }

    /** Nearest rank, in nanoseconds. */
    public long percentile(double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    public long max() { return sorted[sorted.length - 1]; }

    public double meanNanos() {
        double s = 0;
        for (long v : sorted) s += v;
        return s / sorted.length;
    }

    /** {@code p50_us=… p99_us=… max_us=… mean_us=… n=…}, as in a BENCH line. */
    public String fields() {
        return String.format(Locale.ROOT, "p50_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f n=%d",
                percentile(0.50) / 1e3, percentile(0.99) / 1e3, max() / 1e3, meanNanos() / 1e3, n());
    }
}
