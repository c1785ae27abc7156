package lanchat.api.testkit;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails the test that leaked a Netty buffer (or any other object Netty tracks, such as a {@code DnsMessage}).
 *
 * <p>Registered in every test JVM that has this test-jar on its class path, through
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true} (both set by the parent pom's surefire {@code argLine},
 * together with {@link LeakDetector} as Netty's detector). After each test that had Netty track anything, it collects
 * the garbage and fails the test with every leak report; after each class it looks once more, for buffers that the
 * test instance itself held. A report names the test during which the leaked object was allocated.
 */
public final class NettyLeakCheck implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    static {
        // every object tracked, with its access records: sampling could miss a leak
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    private static long checkedAt = -1;
    private static long classStartedAt;

    @Override
    public void beforeAll(ExtensionContext context) {
        Unpooled.buffer(1).release(); // initialises ByteBuf's detector
        if (!LeakDetector.installedFor(ByteBuf.class)) {
            throw new IllegalStateException("Netty's leak detector is not " + LeakDetector.class.getName()
                    + ": leaks would go unnoticed. Run the tests with -Dio.netty.customResourceLeakDetector=" + LeakDetector.class.getName()
                    + " (the parent pom's surefire argLine sets it).");
        }
        classStartedAt = LeakDetector.tracked();
        LeakDetector.running(context.getDisplayName());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        LeakDetector.running(context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName()
                + " [" + context.getDisplayName() + "]");
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        if (LeakDetector.tracked() != checkedAt) failOnLeaks("during " + context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (LeakDetector.tracked() != classStartedAt) failOnLeaks("by the end of " + context.getDisplayName());
        LeakDetector.running("no test (after " + context.getDisplayName() + ")");
    }

    private static void failOnLeaks(String when) throws InterruptedException {
        List<String> leaks = LeakDetector.collect();
        checkedAt = LeakDetector.tracked();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty leak(s) found " + when + " (each names the test that allocated it):\n"
                    + String.join("\n----\n", leaks));
        }
    }
}
