package lanchat.room;

/** A rate limit: {@code burst} tokens, refilled at {@code perSecond}; time is passed in (the room's clock). */
final class TokenBucket {
    private final double perMs;
    private final double burst;
    private double tokens;
    private long at;

    TokenBucket(double perSecond, int burst, long nowMs) {
        this.perMs = perSecond / 1000.0;
        this.burst = burst;
        this.tokens = burst;
        this.at = nowMs;
    }

    /** Takes a token if there is one. */
    boolean tryTake(long nowMs) {
        if (nowMs > at) {
            tokens = Math.min(burst, tokens + (nowMs - at) * perMs);
            at = nowMs;
        }
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
    }
}
