package lanchat.api.testkit;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakTracker;

/**
 * Netty's leak detector for tests: instead of logging a leak, it keeps the report until {@link #collect()} hands it to
 * {@link NettyLeakCheck}, which fails the test with it.
 *
 * <p>Netty makes one detector per resource type (ByteBuf, DnsMessage…) when that type's class is initialised, from the
 * class named by {@code -Dio.netty.customResourceLeakDetector}. Only a system property set when the JVM starts (the
 * parent pom's surefire {@code argLine}) is certain to be in place before the first buffer class is initialised,
 * whichever test runs first; a factory installed from test code is silently ignored once any buffer exists.
 *
 * <p>Every tracked object carries the name of the test that was running when it was allocated (the "initial hint"),
 * so a report names the test that leaked even when the garbage is found later; it also makes every report unique, so
 * Netty's de-duplication of identical reports cannot hide a second leak from the same code in another test.
 */
public final class LeakDetector<T> extends ResourceLeakDetector<T> {
    private static final List<LeakDetector<?>> DETECTORS = new CopyOnWriteArrayList<>();
    private static final Queue<String> REPORTS = new ConcurrentLinkedQueue<>();
    /** Objects tracked so far (including {@link #collect()}'s own probes): nothing new tracked, nothing new to find. */
    private static final AtomicLong TRACKED = new AtomicLong();
    /** Numbers every test run, so that even two runs of one test leaking from one line make two reports. */
    private static final AtomicLong RUNS = new AtomicLong();
    private static volatile String running = "no test";

    private final Class<?> resourceType;

    /** The constructor Netty's default factory calls. */
    public LeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        this.resourceType = resourceType;
        DETECTORS.add(this);
    }

    /** Netty's factory looks this one up too (and logs an error when it is missing), though nothing calls it. */
    @SuppressWarnings("deprecation")
    public LeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    /** Whether Netty uses this class for {@code resourceType}; false when the system property was not set. */
    public static boolean installedFor(Class<?> resourceType) {
        return DETECTORS.stream().anyMatch(d -> d.resourceType == resourceType);
    }

    /** Names what runs from now on, for the reports of what it allocates. */
    static void running(String what) {
        running = "#" + RUNS.incrementAndGet() + " " + what;
    }

    /** What {@link #running(String)} named last. */
    static String running() {
        return running;
    }

    /** How many objects have been tracked so far in this JVM. */
    static long tracked() {
        return TRACKED.get();
    }

    /**
     * Collects the garbage, lets every detector look at what was collected, and returns (and forgets) every leak
     * reported since the last call: objects that became unreachable without being released.
     */
    static List<String> collect() throws InterruptedException {
        awaitCollection();
        for (LeakDetector<?> d : DETECTORS) d.poll();
        List<String> found = new ArrayList<>();
        for (String r; (r = REPORTS.poll()) != null; ) found.add(r);
        return found;
    }

    /**
     * A detector only looks at its collected objects when it tracks a new one; the probe makes it look now (and is
     * closed at once, so it is no leak itself).
     */
    private void poll() {
        @SuppressWarnings("unchecked") // erased: a detector never looks at what it tracks beyond its identity
        T probe = (T) new Object();
        ResourceLeakTracker<T> tracker = track(probe);
        if (tracker != null) tracker.close(probe);
    }

    /**
     * Two full collections, each awaited until a reference of our own has been cleared and enqueued. The JDK's
     * reference handler enqueues one collection's references before it takes the next collection's, so once the
     * second sentinel is enqueued every reference cleared by the first collection is in its queue: whatever was
     * unreachable when this was called is then visible to the detectors.
     */
    private static void awaitCollection() throws InterruptedException {
        for (int round = 0; round < 2; round++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Reference<?> cleared = null;
            while (cleared == null && System.nanoTime() < deadline) {
                System.gc();
                cleared = queue.remove(100);
            }
            Reference.reachabilityFence(sentinel);
            if (cleared == null) throw new IllegalStateException("the JVM did not clear a weak reference within 10 s of System.gc()");
        }
    }

    @Override
    protected Object getInitialHint(String resourceType) {
        TRACKED.incrementAndGet();
        return "allocated while running " + running;
    }

    @Override
    protected boolean needReport() {
        return true; // whatever the log level: the report fails a test, it is not a log line
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        REPORTS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        REPORTS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected (no records: is the level paranoid?)");
    }
}
