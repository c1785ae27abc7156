package lanchat.app.log;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Keeps a flood of similar lines off the user's screen: lines are grouped by a key (for a log line: its level,
 * logger, message pattern and the remote host it names), the first line of a group is shown at once, and the rest of
 * the group within an interval becomes one summary line at the end of the interval:
 * <pre>
 *   [WARN] ConnectionUpgrader - libp2p handshake with /10.0.0.66:40312 failed: handshake timed out
 *   [WARN] ConnectionUpgrader - repeated 1,233 times in the last 10 s: libp2p handshake with 10.0.0.66 failed: handshake timed out
 *   [WARN] ConnectionUpgrader - repeated 1,519 times in the last 10 s: libp2p handshake with 10.0.0.66 failed: handshake timed out
 * </pre>
 * A group that repeated in an interval stays quiet in the next one (only its summary is shown); a group with no line
 * in a whole interval is forgotten, so its next line is shown at once again.
 *
 * <p>Bounded whatever comes in: per interval at most {@link #IMMEDIATE_PER_INTERVAL} lines shown at once,
 * {@link #MAX_SUMMARIES} summaries and one line for the rest; at most {@link #MAX_GROUPS} groups are remembered (lines
 * of further groups are only counted). Not a thread of its own: the owner calls {@link #tick} when
 * {@link #nextTick} says, on any clock (nanoseconds). Thread-safe.
 */
public final class LineThrottle {
    public static final Duration INTERVAL = Duration.ofSeconds(10);
    static final int IMMEDIATE_PER_INTERVAL = 10;
    static final int MAX_SUMMARIES = 10;
    static final int MAX_GROUPS = 64;

    private static final class Group {
        final String prefix;
        long count;
        String latest;

        Group(String prefix) {
            this.prefix = prefix;
        }
    }

    private final Consumer<String> out;
    private final long interval;
    private final LinkedHashMap<Object, Group> groups = new LinkedHashMap<>();
    private boolean open;
    private long windowStart;
    private int shown;
    private long ungrouped;

    /** {@code out} gets every line to show; it is called with this throttle's lock held, so it must not block. */
    public LineThrottle(Consumer<String> out) {
        this(out, INTERVAL);
    }

    LineThrottle(Consumer<String> out, Duration interval) {
        this.out = out;
        this.interval = interval.toNanos();
    }

    /**
     * One line of group {@code key}: {@code prefix + line} is shown now, or counted and summarised as
     * {@code prefix + "repeated N times in the last 10 s: " + summary} (the summary form of the group's latest line,
     * e.g. without the ever-changing port of a remote address).
     */
    public synchronized void offer(long now, Object key, String prefix, String line, String summary) {
        tick(now);
        if (!open) {
            open = true;
            windowStart = now;
        }
        Group g = groups.get(key);
        if (g == null) {
            if (groups.size() >= MAX_GROUPS) {
                ungrouped++;
                return;
            }
            g = new Group(prefix);
            groups.put(key, g);
            if (shown < IMMEDIATE_PER_INTERVAL) {
                shown++;
                out.accept(prefix + line);
                return;
            }
        }
        g.count++;
        g.latest = summary;
    }

    /** Ends the interval if it is over: its summaries are shown. */
    public synchronized void tick(long now) {
        if (open && now - windowStart >= interval) endInterval(now);
    }

    /** Shows the summaries of the interval so far now (at exit). */
    public synchronized void flush(long now) {
        if (open) endInterval(now);
    }

    /** When {@link #tick} has something to do; {@link Long#MAX_VALUE} when nothing is pending or remembered. */
    public synchronized long nextTick() {
        return open ? windowStart + interval : Long.MAX_VALUE;
    }

    private void endInterval(long now) {
        String span = " in the last " + Math.max(1, Math.round((now - windowStart) / 1e9)) + " s";
        List<Group> repeated = new ArrayList<>();
        for (var it = groups.values().iterator(); it.hasNext(); ) {
            Group g = it.next();
            if (g.count == 0) it.remove(); // quiet for a whole interval (or shown once): forgotten
            else repeated.add(g);
        }
        repeated.sort(Comparator.comparingLong((Group g) -> g.count).reversed());
        long rest = ungrouped;
        for (int i = 0; i < repeated.size(); i++) {
            Group g = repeated.get(i);
            if (i < MAX_SUMMARIES) out.accept(g.prefix + "repeated " + times(g.count) + span + ": " + g.latest);
            else rest += g.count;
            g.count = 0;
        }
        if (rest > 0) out.accept("(" + String.format(Locale.ROOT, "%,d", rest) + " more lines of other kinds" + span + " not shown)");
        shown = 0;
        ungrouped = 0;
        windowStart = now;
        open = !groups.isEmpty();
    }

    private static String times(long n) {
        return n == 1 ? "once" : String.format(Locale.ROOT, "%,d times", n);
    }

    /** The groups remembered now (for tests). */
    synchronized int groups() {
        return groups.size();
    }
}
