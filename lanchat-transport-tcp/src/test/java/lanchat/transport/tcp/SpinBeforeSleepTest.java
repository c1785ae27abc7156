package lanchat.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

/** The strategy's decisions on a clock the test moves (real loops run it in {@link EventLoopsTest}). */
class SpinBeforeSleepTest {
    private static final long WINDOW = 50_000;
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger polls = new AtomicInteger();
    private final SpinBeforeSleep strategy = new SpinBeforeSleep(WINDOW, now::get);

    private int decide(int ready, boolean hasTasks) throws Exception {
        return strategy.calculateStrategy(() -> {
            polls.incrementAndGet();
            return ready;
        }, hasTasks);
    }

    @Test
    void aLoopThatHasHadNoWorkSleepsAtOnce() throws Exception {
        assertEquals(SelectStrategy.SELECT, decide(0, false));
        assertEquals(0, polls.get());
    }

    @Test
    void afterAWakeUpItPollsWithoutBlockingUntilTheWindowEnds() throws Exception {
        assertEquals(SelectStrategy.SELECT, decide(0, false));
        // the blocking select returned (a socket was ready); the loop handled it and asks again
        assertEquals(SelectStrategy.CONTINUE, decide(0, false));
        now.addAndGet(WINDOW - 1);
        assertEquals(SelectStrategy.CONTINUE, decide(0, false));
        assertEquals(2, polls.get());
        now.addAndGet(1);
        assertEquals(SelectStrategy.SELECT, decide(0, false));
        assertEquals(2, polls.get());
    }

    @Test
    void workSeenWhilePollingRestartsTheWindow() throws Exception {
        decide(0, true); // tasks: work now
        now.addAndGet(WINDOW - 1);
        assertEquals(3, decide(3, false)); // three sockets ready: handled without a blocking select
        now.addAndGet(WINDOW - 1);
        assertEquals(SelectStrategy.CONTINUE, decide(0, false));
        now.addAndGet(1);
        assertEquals(SelectStrategy.SELECT, decide(0, false));
    }

    @Test
    void tasksAreNeverKeptWaitingBehindASleep() throws Exception {
        now.addAndGet(10 * WINDOW);
        assertEquals(0, decide(0, true)); // the non-blocking poll's count, then the loop runs its tasks
        assertEquals(1, polls.get());
    }

    /** A packet every 40 µs restarts the window each time: the loop still sleeps once a fifth of 10 ms went to polls. */
    @Test
    void aPeerThatWakesTheLoopOftenCannotKeepItSpinning() throws Exception {
        decide(0, true); // work: the window starts
        long spun = 0, elapsed = 0;
        int decision = SelectStrategy.CONTINUE;
        while (decision != SelectStrategy.SELECT && elapsed < SpinBeforeSleep.BUDGET_SPAN_NANOS) {
            for (int t = 0; t < 39 && decision != SelectStrategy.SELECT; t++) { // empty polls, 1 µs apart
                decision = decide(0, false);
                now.addAndGet(1_000);
                elapsed += 1_000;
                if (decision == SelectStrategy.CONTINUE) spun += 1_000;
            }
            if (decision != SelectStrategy.SELECT) {
                now.addAndGet(1_000);
                elapsed += 1_000;
                decision = strategy.calculateStrategy(() -> 1, false); // the next tiny packet, seen by a poll
            }
        }
        assertEquals(SelectStrategy.SELECT, decision, "it went to sleep");
        assertTrue(spun <= SpinBeforeSleep.MAX_SPIN_SHARE_NANOS + 1_000, spun + " ns spun");
        now.addAndGet(SpinBeforeSleep.BUDGET_SPAN_NANOS);
        decide(0, true);
        assertEquals(SelectStrategy.CONTINUE, decide(0, false), "a new span, a new budget");
    }

    @Test
    void aWindowOfZeroIsNettysDefaultBehaviour() throws Exception {
        SpinBeforeSleep off = new SpinBeforeSleep(0, now::get);
        assertEquals(SelectStrategy.SELECT, off.calculateStrategy(() -> 0, false));
        assertEquals(SelectStrategy.SELECT, off.calculateStrategy(() -> 0, false));
        assertEquals(2, off.calculateStrategy(() -> 2, true));
    }
}
