package lanchat.transport.tcp;

import java.util.function.LongSupplier;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;

/**
 * A select strategy that keeps an event loop awake for a short window after it last had work, polling its sockets
 * without blocking, before it goes to sleep in the kernel (issue 16).
 *
 * <p>Why: with the app's callbacks on a thread of their own, a chat line's round trip crosses threads twice per side:
 * the I/O thread hands the line to the callback thread, and the reply that thread sends comes back to the I/O thread
 * a few microseconds later. A loop that went to sleep in {@code epoll_wait} in between has to be woken through its
 * eventfd (a system call for the sender, a scheduler wake-up for the loop), and the peer's answer, a few tens of
 * microseconds later, wakes it once more. That was most of what the app's callbacks cost over inline ones (traced:
 * 0.67 eventfd writes, 1.6 {@code epoll_wait}s per round trip on the echo side). A loop that is still polling sees
 * the task at once (Netty skips the eventfd write while the loop is awake) and the socket's readiness on its next
 * poll. go's scheduler does the same: an idle worker spins briefly looking for work before it parks.
 *
 * <p>Bounded: only {@code spinNanos} after the loop last had work, so an idle node's loops sleep as before and a
 * chat at human speed costs at most that much CPU per line, and empty polls take at most
 * {@link #MAX_SPIN_SHARE_NANOS} of every {@link #BUDGET_SPAN_NANOS} however often work comes. Each empty poll yields the CPU ({@link Thread#yield()}),
 * so that on a machine with fewer cores than busy threads the thread that has the work gets it.
 * One instance per event loop: its state is the loop's own and only that thread touches it.
 */
final class SpinBeforeSleep implements SelectStrategy {
    /** The span over which {@link #MAX_SPIN_SHARE_NANOS} is counted. */
    static final long BUDGET_SPAN_NANOS = 10_000_000;
    /**
     * At most this much of each {@link #BUDGET_SPAN_NANOS} is spent in empty polls (20 %): a peer that sends a tiny
     * packet every few tens of microseconds would otherwise restart the window with each one and keep a core busy
     * polling for work of a few microseconds per packet, and under a CPU quota burn the whole process's share (review).
     * A chat at any human pace, or a round trip every few hundred microseconds, stays far below it.
     */
    static final long MAX_SPIN_SHARE_NANOS = BUDGET_SPAN_NANOS / 5;
    private final long spinNanos;
    private final LongSupplier clock;
    /** When the loop last had work: ready sockets, tasks, or a return from a blocking select. */
    private long lastWork;
    private boolean blocked;
    private long budgetSpanStart, spunInSpan;
    /** When the last empty poll returned (the time until the next call is spent spinning), or -1. */
    private long lastEmptyPoll = -1;

    SpinBeforeSleep(long spinNanos, LongSupplier clock) {
        this.spinNanos = spinNanos;
        this.clock = clock;
        this.lastWork = clock.getAsLong() - spinNanos; // a new loop has had no work yet
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        long now = clock.getAsLong();
        if (lastEmptyPoll >= 0) {
            spunInSpan += now - lastEmptyPoll;
            lastEmptyPoll = -1;
        }
        if (now - budgetSpanStart >= BUDGET_SPAN_NANOS) {
            budgetSpanStart = now;
            spunInSpan = 0;
        }
        if (blocked) { // called again after a blocking select: it returned, so something woke the loop
            blocked = false;
            lastWork = now;
        }
        if (hasTasks) {
            lastWork = now;
            return selectNow.get();
        }
        if (now - lastWork < spinNanos && spunInSpan < MAX_SPIN_SHARE_NANOS) {
            int ready = selectNow.get();
            if (ready > 0) {
                lastWork = now;
                return ready;
            }
            lastEmptyPoll = now;
            Thread.yield();
            return SelectStrategy.CONTINUE; // the loop runs its tasks (none yet) and asks again
        }
        blocked = true;
        return SelectStrategy.SELECT;
    }
}
