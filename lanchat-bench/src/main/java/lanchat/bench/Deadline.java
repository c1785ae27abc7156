package lanchat.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One overall time bound for a bench process: every wait is cut at it. */
final class Deadline {
    private final long end;

    Deadline(long seconds) {
        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    long remainingMillis() {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
    }

    boolean passed() {
        return System.nanoTime() - end >= 0;
    }

    <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(remainingMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("time limit of the bench run reached");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }
}
