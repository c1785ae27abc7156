package lanchat.api.policy;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter for redialing peers, and how long the smaller peer waits for the larger one's dial
 * before dialing itself.
 *
 * @param initial delay before the first retry
 * @param max cap on any delay
 * @param factor growth per attempt (≥ 1)
 * @param jitter fraction (0–1) of each delay that is randomised, so restarted rooms do not redial in lockstep
 * @param fallbackDialAfter how long the smaller peer waits for an inbound connection before dialing itself
 */
public record ReconnectPolicy(Duration initial, Duration max, double factor, double jitter, Duration fallbackDialAfter) {
    public ReconnectPolicy {
        if (initial.isNegative() || initial.isZero()) throw new IllegalArgumentException("initial delay must be positive");
        if (max.compareTo(initial) < 0) throw new IllegalArgumentException("max delay must be ≥ initial");
        // written so that NaN fails too: a NaN factor or jitter would turn every delay into 1 ms
        if (!(factor >= 1)) throw new IllegalArgumentException("factor must be ≥ 1");
        if (!(jitter >= 0 && jitter <= 1)) throw new IllegalArgumentException("jitter must be within 0..1");
        if (fallbackDialAfter.isNegative()) throw new IllegalArgumentException("fallbackDialAfter must not be negative");
    }

    public static ReconnectPolicy defaults() {
        return new ReconnectPolicy(Duration.ofMillis(250), Duration.ofSeconds(15), 2.0, 0.2, Duration.ofMillis(1500));
    }

    /** Delay before retry number {@code attempt} (0 for the first retry). */
    public Duration delay(int attempt, RandomGenerator random) {
        double base = initial.toMillis() * Math.pow(factor, Math.min(attempt, 62));
        double capped = Math.min(base, max.toMillis());
        double withJitter = capped * (1 - jitter + 2 * jitter * random.nextDouble());
        return Duration.ofMillis(Math.max(1, Math.min(Math.round(withJitter), max.toMillis())));
    }
}
