package lanchat.ui.web;

/**
 * A token bucket: at most {@code perSecond} commands a second on average, bursts up to {@code perSecond}. WHY a
 * bucket and not a counter per second: a burst at a second's edge cannot double the rate. Not thread-safe: one per
 * connection, used on its event loop.
 */
final class CommandRate {
    private final int perSecond;
    private double tokens;
    private long lastNanos;

    CommandRate(int perSecond, long nowNanos) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.lastNanos = nowNanos;
    }

    /** Takes one command's token at {@code nowNanos} (System.nanoTime()); false: over the rate, drop the command. */
    boolean tryTake(long nowNanos) {
        tokens = Math.min(perSecond, tokens + (nowNanos - lastNanos) / 1e9 * perSecond);
        lastNanos = nowNanos;
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
    }
}
