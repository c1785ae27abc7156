package lanchat.bench;

import java.util.List;
import java.util.Locale;

/** Medians of a few runs and fixed-point formatting, as the report prints them (Locale.ROOT: a dot, always). */
final class Numbers {
    private Numbers() {}

    static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** Whole seconds of a nanosecond duration. */
    static String secs(long nanos) {
        return fmt(nanos / 1e9, 0);
    }

    /** The lower median: the middle of an odd count, the smaller middle one of an even count (a value that was measured). */
    static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        return s.get((s.size() - 1) / 2);
    }

    /** {@link #median} of longs. */
    static long medianLong(List<Long> v) {
        List<Long> s = v.stream().sorted().toList();
        return s.get((s.size() - 1) / 2);
    }

    /** "median (min–max)", just the median for one value, "—" for none. */
    static String medianWithRange(List<Double> v, int decimals) {
        if (v.isEmpty()) return "—";
        List<Double> s = v.stream().sorted().toList();
        return fmt(median(v), decimals) + (s.size() > 1 ? " (" + fmt(s.get(0), decimals) + "–" + fmt(s.get(s.size() - 1), decimals) + ")" : "");
    }
}
