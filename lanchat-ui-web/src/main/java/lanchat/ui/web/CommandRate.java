package lanchat.ui.web;

/**
 * A token bucket: at most {@code perSecond} takes a second on average, bursts up to {@code burst}. WHY a bucket and not
 * a counter per second: a burst at a second's edge cannot double the rate. Not thread-safe: one per page connection,
 * used on one thread at a time.
 */
final class CommandRate {
    private final int perSecond;
    private final int burst;
    private double tokens;
    private long lastNanos;

    CommandRate(int perSecond, long nowNanos) {
        this(perSecond, perSecond, nowNanos);
    }

    CommandRate(int perSecond, int burst, long nowNanos) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes one token at {@code nowNanos} (System.nanoTime()); false: over the rate, refuse what it was for. */
    boolean tryTake(long nowNanos) {
        tokens = Math.min(burst, tokens + Math.max(0, nowNanos - lastNanos) / 1e9 * perSecond);
        lastNanos = Math.max(lastNanos, nowNanos);
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
    }
}
