package lanchat.app.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A deterministic stand-in for the node's single thread: tasks run only when the test calls {@link #runReady()} or
 * {@link #advance(Duration)}, on the test's thread, in time order (FIFO among equal times), against a virtual clock.
 * An exception thrown by a task fails the test at the {@code runReady}/{@code advance} that ran it.
 */
public final class ManualLoop extends AbstractExecutorService implements ScheduledExecutorService {
    /** More tasks than this in one run means something reschedules itself without end. */
    private static final int MAX_TASKS_PER_RUN = 100_000;

    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private final List<Throwable> failures = new ArrayList<>();
    private long nowNanos;
    private long seq;
    private boolean shutdown;

    /** Virtual time since the loop was made. */
    public Duration now() {
        return Duration.ofNanos(nowNanos);
    }

    /** Runs every task due now, including the ones those tasks submit for now; returns how many ran. */
    public int runReady() {
        return runUntil(nowNanos);
    }

    /** Moves the clock forward by {@code d}, running each task when its time comes. */
    public int advance(Duration d) {
        return runUntil(nowNanos + d.toNanos());
    }

    /** Pending tasks (not cancelled). */
    public int pending() {
        return queue.size();
    }

    /** The delay until the next pending task, if any. */
    public Duration nextDelay() {
        Task<?> t = queue.peek();
        return t == null ? null : Duration.ofNanos(t.time - nowNanos);
    }

    private int runUntil(long target) {
        int ran = 0;
        while (!queue.isEmpty() && queue.peek().time <= target) {
            if (++ran > MAX_TASKS_PER_RUN) throw new AssertionError("more than " + MAX_TASKS_PER_RUN + " tasks in one run: a task loop?");
            Task<?> t = queue.poll();
            nowNanos = Math.max(nowNanos, t.time);
            t.run();
        }
        nowNanos = Math.max(nowNanos, target);
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("a task on the node loop failed", failures.get(0));
            failures.clear();
            throw e;
        }
        return ran;
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return schedule(Executors.callable(command), delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        if (shutdown) throw new java.util.concurrent.RejectedExecutionException("loop is shut down");
        Task<V> t = new Task<>(callable, nowNanos + Math.max(0, unit.toNanos(delay)), seq++);
        queue.add(t);
        return t;
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by the node");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by the node");
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        queue.clear();
        return Collections.emptyList();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private final class Task<V> implements ScheduledFuture<V>, Runnable {
        final Callable<V> callable;
        final long time;
        final long order;
        boolean cancelled;
        boolean done;
        V result;
        Throwable failure;

        Task(Callable<V> callable, long time, long order) {
            this.callable = callable;
            this.time = time;
            this.order = order;
        }

        @Override
        public void run() {
            if (cancelled || done) return;
            try {
                result = callable.call();
            } catch (Throwable e) {
                failure = e;
                failures.add(e);
            }
            done = true;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(time - nowNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task<?> t = (Task<?>) o;
            int c = Long.compare(time, t.time);
            return c != 0 ? c : Long.compare(order, t.order);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done || cancelled) return false;
            cancelled = true;
            queue.remove(this);
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public V get() {
            if (cancelled) throw new java.util.concurrent.CancellationException();
            if (!done) throw new IllegalStateException("get() would block forever on a manual loop; run it first");
            if (failure != null) throw new IllegalStateException(failure);
            return result;
        }

        @Override
        public V get(long timeout, TimeUnit unit) {
            return get();
        }
    }
}
