package lanchat.api.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReconnectPolicyTest {
    private static final Duration MS = Duration.ofMillis(1);

    /** A generator whose nextDouble() is always {@code d}. */
    private static RandomGenerator fixed(double d) {
        return new RandomGenerator() {
            @Override public long nextLong() { throw new UnsupportedOperationException(); }
            @Override public double nextDouble() { return d; }
        };
    }

    private static ReconnectPolicy policy(long initialMs, long maxMs, double factor, double jitter) {
        return new ReconnectPolicy(Duration.ofMillis(initialMs), Duration.ofMillis(maxMs), factor, jitter, Duration.ZERO);
    }

    @Test
    void withoutJitterDelaysGrowByTheFactorUntilTheCap() {
        ReconnectPolicy p = policy(250, 15_000, 2.0, 0);
        List<Long> delays = new java.util.ArrayList<>();
        for (int attempt = 0; attempt < 10; attempt++) delays.add(p.delay(attempt, new SplittableRandom(1)).toMillis());
        assertEquals(List.of(250L, 500L, 1000L, 2000L, 4000L, 8000L, 15000L, 15000L, 15000L, 15000L), delays);
    }

    @Test
    void hugeAttemptNumbersStayAtTheCap() {
        ReconnectPolicy p = policy(250, 15_000, 2.0, 0.2);
        for (int attempt : new int[] {62, 63, 1000, Integer.MAX_VALUE}) {
            Duration d = p.delay(attempt, fixed(0.5));
            assertEquals(Duration.ofSeconds(15), d, "attempt " + attempt);
        }
    }

    @Test
    void factorOneIsAConstantDelay() {
        ReconnectPolicy p = policy(700, 10_000, 1.0, 0);
        for (int attempt = 0; attempt < 20; attempt++) assertEquals(Duration.ofMillis(700), p.delay(attempt, fixed(0)));
    }

    @Test
    void jitterSpreadsEachDelayWithinPlusOrMinusTheFraction() {
        ReconnectPolicy p = policy(1000, 60_000, 2.0, 0.25);
        // attempt 2: base 4000 ms; the extremes of the random draw give 3000 and (almost) 5000
        assertEquals(Duration.ofMillis(3000), p.delay(2, fixed(0.0)));
        assertEquals(Duration.ofMillis(4000), p.delay(2, fixed(0.5)));
        assertEquals(Duration.ofMillis(5000), p.delay(2, fixed(Math.nextDown(1.0))));
    }

    @Test
    void jitteredDelaysStayInBoundsAndActuallyVary() {
        ReconnectPolicy p = ReconnectPolicy.defaults();
        SplittableRandom rnd = new SplittableRandom(61);
        for (int attempt = 0; attempt < 10; attempt++) {
            double base = Math.min(250 * Math.pow(2, attempt), 15_000);
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 500; i++) {
                long d = p.delay(attempt, rnd).toMillis();
                assertTrue(d >= Math.floor(base * 0.8) && d <= Math.min(Math.ceil(base * 1.2), 15_000), "attempt " + attempt + ": " + d);
                seen.add(d);
            }
            assertTrue(seen.size() > 10, "jitter should spread the delays: " + seen);
        }
    }

    @Test
    void jitterNeverExceedsTheCap() {
        ReconnectPolicy p = policy(1000, 1500, 2.0, 1.0);
        for (int attempt = 0; attempt < 5; attempt++) {
            assertTrue(p.delay(attempt, fixed(Math.nextDown(1.0))).compareTo(Duration.ofMillis(1500)) <= 0);
        }
    }

    @Test
    void delaysAreAtLeastOneMillisecond() {
        ReconnectPolicy p = new ReconnectPolicy(Duration.ofNanos(1), Duration.ofMillis(10), 1.0, 1.0, Duration.ZERO);
        assertEquals(MS, p.delay(0, fixed(0)));
        assertEquals(MS, policy(1, 10, 1.0, 1.0).delay(0, fixed(0)));
    }

    @Test
    void sameSeedSameDelays() {
        ReconnectPolicy p = ReconnectPolicy.defaults();
        SplittableRandom r1 = new SplittableRandom(7), r2 = new SplittableRandom(7);
        for (int attempt = 0; attempt < 10; attempt++) assertEquals(p.delay(attempt, r1), p.delay(attempt, r2));
        assertNotEquals(p.delay(3, new SplittableRandom(1)), p.delay(3, new SplittableRandom(2)));
    }

    @Test
    void defaultsAreSane() {
        ReconnectPolicy p = ReconnectPolicy.defaults();
        assertEquals(Duration.ofMillis(250), p.initial());
        assertEquals(Duration.ofSeconds(15), p.max());
        assertEquals(2.0, p.factor());
        assertEquals(0.2, p.jitter());
        assertEquals(Duration.ofMillis(1500), p.fallbackDialAfter());
    }

    @Test
    void invalidDurationsAreRejected() {
        assertMessage("initial delay must be positive", () -> policy(0, 10, 2, 0));
        assertMessage("initial delay must be positive", () -> new ReconnectPolicy(Duration.ofMillis(-1), Duration.ofMillis(10), 2, 0, Duration.ZERO));
        assertMessage("max delay must be ≥ initial", () -> policy(100, 99, 2, 0));
        assertMessage("fallbackDialAfter must not be negative", () -> new ReconnectPolicy(MS, MS, 2, 0, Duration.ofMillis(-1)));
        policy(100, 100, 1, 0); // equal bounds are fine
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.999, 0, -1, Double.NaN, Double.NEGATIVE_INFINITY})
    void factorBelowOneOrNaNIsRejected(double factor) {
        assertMessage("factor must be ≥ 1", () -> policy(100, 1000, factor, 0));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.001, 1.001, Double.NaN, Double.POSITIVE_INFINITY})
    void jitterOutside0To1OrNaNIsRejected(double jitter) {
        assertMessage("jitter must be within 0..1", () -> policy(100, 1000, 2, jitter));
    }

    private static void assertMessage(String message, Runnable r) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, r::run).getMessage());
    }
}
