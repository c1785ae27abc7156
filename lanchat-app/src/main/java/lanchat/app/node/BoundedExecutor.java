package lanchat.app.node;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plugin's way onto the node thread: at most {@code capacity} of its events wait there at once (issue 13: the
 * node's queue was unbounded, so a peer flooding events faster than the node thread ran them grew the heap without
 * end). Order is kept: this only counts, the node thread's own queue does the ordering.
 *
 * <p><b>When full</b>, {@link #execute} throws {@link RejectedExecutionException} at once. The alternatives are all
 * worse: blocking would stall the caller, a transport's event loop, and every connection on it; running the event on
 * the caller's thread would break the node's single-threaded state; dropping it silently would lose a message or a
 * close without anyone knowing. The exception reaches the transport where it delivered the event: in a Netty
 * handler it goes to {@code exceptionCaught}, which closes that stream or connection, so the peer that floods is the
 * one that loses. Should a close event be refused too, the session would stay in the node's table though closed: the
 * node is told ({@code onRefused}) and later forgets such sessions ({@link PeerManager#forgetClosedSessions}).
 */
final class BoundedExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(BoundedExecutor.class);

    private final Executor target;
    private final int capacity;
    private final String name;
    private final Runnable onRefused;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    BoundedExecutor(Executor target, int capacity, String name, Runnable onRefused) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
        this.target = target;
        this.capacity = capacity;
        this.name = name;
        this.onRefused = onRefused;
    }

    @Override
    public void execute(Runnable task) {
        if (waiting.incrementAndGet() > capacity) {
            waiting.decrementAndGet();
            refused.incrementAndGet();
            log.warn("node overloaded: refused an event of the {} ({} already wait for the node thread)", name, capacity);
            onRefused.run();
            throw new RejectedExecutionException("the node thread has " + capacity + " events of the " + name + " waiting");
        }
        try {
            target.execute(() -> {
                waiting.decrementAndGet();
                task.run();
            });
        } catch (RejectedExecutionException shutDown) {
            waiting.decrementAndGet();
            throw shutDown;
        }
    }

    /** Events waiting now. */
    int waiting() {
        return waiting.get();
    }

    /** Events refused so far. */
    long refused() {
        return refused.get();
    }
}
