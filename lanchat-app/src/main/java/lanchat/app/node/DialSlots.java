package lanchat.app.node;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The node-wide budget of dials to addresses that discovery reported: a {@link TokenBucket}, and a first-come
 * first-served line of the dials waiting for a token, woken by one timer. A waiting dial that is no longer wanted
 * when its turn comes (its peer was lost, the node closed) is skipped without spending a token. Node thread only.
 */
final class DialSlots {
    private record Waiting(BooleanSupplier wanted, Runnable dial) {}

    private final TokenBucket bucket;
    private final ScheduledExecutorService loop;
    private final LongSupplier clock;
    private final ArrayDeque<Waiting> line = new ArrayDeque<>();
    private ScheduledFuture<?> timer;

    DialSlots(int burst, Duration period, ScheduledExecutorService loop, LongSupplier clock) {
        this.bucket = new TokenBucket(burst, period, clock.getAsLong());
        this.loop = loop;
        this.clock = clock;
    }

    /** Runs {@code dial} now if a token is free and nobody waits, else in its turn if {@code wanted} still says so. */
    void request(BooleanSupplier wanted, Runnable dial) {
        line.add(new Waiting(wanted, dial));
        serve();
    }

    private void serve() {
        while (!line.isEmpty()) {
            if (!line.peek().wanted().getAsBoolean()) {
                line.poll();
                continue;
            }
            long now = clock.getAsLong();
            if (!bucket.tryTake(now)) {
                if (timer == null) {
                    timer = loop.schedule(() -> {
                        timer = null;
                        serve();
                    }, bucket.waitNanos(now), TimeUnit.NANOSECONDS);
                }
                return;
            }
            line.poll().dial().run();
        }
    }

    /** Forgets every waiting dial (the node closes). */
    void clear() {
        line.clear();
        if (timer != null) timer.cancel(false);
        timer = null;
    }
}
