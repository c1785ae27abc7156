package lanchat.app.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;

/**
 * Where every log line of the app and its plugins goes: through a {@link LineThrottle} (unless verbose) to one
 * sink, the console once it exists. See the package description for why.
 *
 * <p>Loggers are called on any thread, Netty event loops included, and must never block them: a line is formatted
 * and throttled on the caller's thread (cheap, under a short lock), then handed to this router's own thread, which
 * alone writes to the sink (a terminal can block: Ctrl-S, a stalled ssh). At most {@link #MAX_QUEUED} lines wait for
 * it; beyond that lines are dropped and counted, and the count is shown once the queue drains.
 */
public final class LogRouter implements ILoggerFactory {
    static final int MAX_QUEUED = 256;

    private final LongSupplier clock;
    private final Supplier<ScheduledExecutorService> threadFactory;
    private final ConcurrentMap<String, RoutedLogger> loggers = new ConcurrentHashMap<>();
    private final LineThrottle throttle = new LineThrottle(this::enqueue);
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private volatile Consumer<String> sink = System.err::println;
    private volatile boolean verbose;
    private ScheduledExecutorService thread;
    private ScheduledFuture<?> tick;
    private long tickAt = Long.MAX_VALUE;

    /** The router SLF4J uses in this JVM, if the app's provider is the one SLF4J bound. */
    public static Optional<LogRouter> active() {
        return LoggerFactory.getILoggerFactory() instanceof LogRouter r ? Optional.of(r) : Optional.empty();
    }

    /** With the system clock and a daemon thread of its own, started at the first line. */
    LogRouter() {
        this(System::nanoTime, () -> Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lanchat-log");
            t.setDaemon(true);
            return t;
        }));
    }

    /** {@code thread} makes the single-threaded executor that writes to the sink and ends intervals. */
    LogRouter(LongSupplier clock, Supplier<ScheduledExecutorService> thread) {
        this.clock = clock;
        this.threadFactory = thread;
    }

    @Override
    public Logger getLogger(String name) {
        return loggers.computeIfAbsent(name, n -> new RoutedLogger(n, this));
    }

    /**
     * Verbose: DEBUG and up from everything, nothing throttled (the user asked for every detail). Otherwise WARN and
     * up, Netty's own loggers ERROR and up, throttled.
     */
    public void verbose(boolean on) {
        verbose = on;
    }

    /** From now on lines go to {@code sink} (called on the router's thread only, one line at a time). */
    public void sendTo(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Shows the summaries pending now and waits (up to {@code millis}) until every line so far reached the sink. */
    public void flush(long millis) {
        throttle.flush(clock.getAsLong());
        ScheduledExecutorService t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) return;
        try {
            t.submit(() -> { }).get(millis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // a sink that does not drain in time: what is queued goes out later or not at all
        }
    }

    boolean enabled(String logger, Level level) {
        Level threshold = verbose ? Level.DEBUG : logger.startsWith("io.netty") ? Level.ERROR : Level.WARN;
        return level.toInt() >= threshold.toInt();
    }

    /** A logging call that passed {@link #enabled}. */
    void log(String logger, Level level, String pattern, Object[] args, Throwable t) {
        String prefix = "[" + level + "] " + logger.substring(logger.lastIndexOf('.') + 1) + " - ";
        String line = MessageFormatter.basicArrayFormat(pattern, args);
        if (verbose) {
            enqueue(prefix + line);
            if (t != null) stackTrace(t).forEach(this::enqueue);
            return;
        }
        if (t != null) line += " (" + t + ")";
        // grouped by what the line says, and for whom: a flood from one host is one group, whatever its ports
        List<Object> key = new ArrayList<>(List.of(level, logger, String.valueOf(pattern)));
        Object[] hostOnly = args == null ? new Object[0] : args.clone();
        for (int i = 0; i < hostOnly.length; i++) {
            if (hostOnly[i] instanceof InetSocketAddress a) hostOnly[i] = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
            else if (hostOnly[i] instanceof InetAddress a) hostOnly[i] = a.getHostAddress();
            else continue;
            key.add(hostOnly[i]);
        }
        String summary = MessageFormatter.basicArrayFormat(pattern, hostOnly) + (t != null ? " (" + t + ")" : "");
        long now = clock.getAsLong();
        throttle.offer(now, key, prefix, line, summary);
        armTick(throttle.nextTick());
    }

    private static List<String> stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString().lines().toList();
    }

    /** Hands a line to the router's thread; never blocks. */
    private void enqueue(String line) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        try {
            thread().execute(() -> {
                queued.decrementAndGet();
                write(line);
                long lost = queued.get() == 0 ? dropped.getAndSet(0) : 0;
                if (lost > 0) write("(" + lost + " log lines dropped: the console could not keep up)");
            });
        } catch (RejectedExecutionException shutDown) {
            queued.decrementAndGet();
        }
    }

    private void write(String line) {
        try {
            sink.accept(line);
        } catch (RuntimeException e) {
            System.err.println(line); // the console is gone: the line still deserves a place
        }
    }

    private synchronized ScheduledExecutorService thread() {
        if (thread == null) thread = threadFactory.get();
        return thread;
    }

    /** Makes sure the throttle is ticked at {@code at} (its next interval end), once. */
    private void armTick(long at) {
        if (at == Long.MAX_VALUE) return;
        synchronized (this) {
            if (tick != null && !tick.isDone() && tickAt <= at) return;
            if (tick != null) tick.cancel(false);
            tickAt = at;
            tick = thread().schedule(this::onTick, Math.max(0, at - clock.getAsLong()), TimeUnit.NANOSECONDS);
        }
    }

    private void onTick() {
        long now = clock.getAsLong();
        throttle.tick(now);
        synchronized (this) {
            tick = null;
            tickAt = Long.MAX_VALUE;
        }
        armTick(throttle.nextTick());
    }
}
