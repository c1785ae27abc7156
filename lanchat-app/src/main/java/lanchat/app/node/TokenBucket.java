package lanchat.app.node;

import java.time.Duration;

/**
 * A token bucket in integer nanoseconds (the "virtual scheduling" form of GCRA): {@code burst} takes at once, then
 * one per {@code period}. Not thread-safe: used on the node thread.
 */
final class TokenBucket {
    private final long period;
    private final long tolerance;
    /** When the bucket will be full again, were nothing more taken. */
    private long fullAt;

    TokenBucket(int burst, Duration period, long now) {
        if (burst < 1 || period.isNegative() || period.isZero()) throw new IllegalArgumentException("burst and period must be positive");
        this.period = period.toNanos();
        this.tolerance = (burst - 1) * this.period;
        this.fullAt = now;
    }

    /** Takes a token if one is there. */
    boolean tryTake(long now) {
        if (waitNanos(now) > 0) return false;
        fullAt = Math.max(fullAt, now) + period;
        return true;
    }

    /** How long until a token is there (0: now). */
    long waitNanos(long now) {
        return Math.max(0, fullAt - tolerance - now);
    }

    /** Full again (a peer that connected has earned its attempts back). */
    void refill(long now) {
        fullAt = now;
    }
}
