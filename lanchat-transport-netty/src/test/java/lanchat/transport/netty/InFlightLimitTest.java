package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link InFlightLimit} on a virtual clock: one credit step sent, its credit back a round trip later. */
class InFlightLimitTest {
    private static final long MS = 1_000_000, US = 1_000;
    private static final int STEP = InFlightLimit.STEP;
    private final InFlightLimit limit = new InFlightLimit();
    private long now;

    private void roundTrips(int n, long rtt) {
        for (int i = 0; i < n; i++) {
            limit.sent(STEP, now, true);
            now += rtt;
            limit.settled(STEP, true, now);
        }
    }

    @Test
    void onAFastPathTheBoundStaysAtTheFloor() {
        roundTrips(1000, 100 * US);
        assertEquals(InFlightLimit.FLOOR, limit.limit());
        roundTrips(1000, 240 * US);
        assertEquals(InFlightLimit.FLOOR, limit.limit(), "below a quarter millisecond of smallest round trip nothing moves");
    }

    @Test
    void overALongRoundTripWithoutAQueueItGrowsToTheCeilingOneStepPerSample() {
        roundTrips(1, 4 * MS);
        assertEquals(InFlightLimit.FLOOR + STEP, limit.limit());
        roundTrips(10, 4 * MS + 500 * US); // within a quarter of the smallest
        assertEquals(InFlightLimit.FLOOR + 11 * STEP, limit.limit());
        roundTrips(1000, 4 * MS);
        assertEquals(InFlightLimit.CEILING, limit.limit());
    }

    @Test
    void whenTheRoundTripRisesAboveTwiceTheSmallestItShrinksBackToTheFloor() {
        roundTrips(1000, 4 * MS);
        assertEquals(InFlightLimit.CEILING, limit.limit());
        roundTrips(1, 9 * MS);
        assertEquals(InFlightLimit.CEILING - InFlightLimit.CEILING / 4, limit.limit(), "a quarter less per sample that saw a queue");
        roundTrips(3, 6 * MS); // between 1.25× and 2×: hold
        assertEquals(InFlightLimit.CEILING - InFlightLimit.CEILING / 4, limit.limit());
        roundTrips(100, 9 * MS);
        assertEquals(InFlightLimit.FLOOR, limit.limit(), "never below the floor");
    }

    @Test
    void theSmallestRoundTripIsForgottenAfterItsWindowAndTheBoundDrainsThen() {
        roundTrips(1000, 2 * MS);
        assertEquals(InFlightLimit.CEILING, limit.limit());
        // the path got slower for good: every sample now 3× the old smallest, so the bound shrinks...
        roundTrips(100, 6 * MS);
        assertEquals(InFlightLimit.FLOOR, limit.limit());
        // ...until the old smallest is too old to trust: then the slower path is the new normal, and it grows again
        now += InFlightLimit.MIN_RTT_WINDOW_NANOS;
        roundTrips(1, 6 * MS);
        assertEquals(6 * MS, limit.minRtt());
        roundTrips(10, 6 * MS);
        assertTrue(limit.limit() > InFlightLimit.FLOOR, "grows on the new path: " + limit.limit());
    }

    @Test
    void aSmallestRoundTripSeenAgainStaysTrusted() {
        roundTrips(1000, 2 * MS);
        long before = limit.limit();
        for (int i = 0; i < 30; i++) { // 30 s of samples at the same round trip: no drain every 10 s
            now += 1000 * MS;
            roundTrips(1, 2 * MS);
        }
        assertEquals(before, limit.limit());
        assertEquals(2 * MS, limit.minRtt());
    }

    @Test
    void creditReleasedBecauseAChannelEndedTeachesNothing() {
        limit.sent(STEP, now, true);
        now += 4 * MS;
        limit.settled(STEP, false, now);
        assertEquals(InFlightLimit.FLOOR, limit.limit());
        assertEquals(Long.MAX_VALUE, limit.minRtt());
    }

    @Test
    void chunksSentBeyondTheBoundAreNotTimed() {
        limit.sent(8 * STEP, now, false); // an older peer's half-window allowance: it queues
        now += 20 * MS;
        limit.settled(8 * STEP, true, now);
        assertEquals(Long.MAX_VALUE, limit.minRtt(), "a queued flight is not the path's round trip");
        roundTrips(1, 4 * MS);
        assertEquals(4 * MS, limit.minRtt());
    }

    @Test
    void marksAreBoundedAndTheRoundTripIsTakenFromTheNewestSettledChunk() {
        for (int i = 0; i < 10 * InFlightLimit.MARKS; i++) limit.sent(STEP, now++, true);
        now += 5 * MS;
        limit.settled(10L * InFlightLimit.MARKS * STEP, true, now);
        assertEquals(5 * MS + 1, limit.minRtt(), "from the last chunk, sent 1 ns before the 5 ms");
        assertEquals(InFlightLimit.FLOOR + STEP, limit.limit());
    }
}
