package lanchat.api.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The leak check itself: it is active in this JVM, and a test that leaks fails while its neighbour passes. The leaking
 * tests ({@link Examples}) run in a launcher of their own, so their failure is observed here and fails nothing else.
 */
class NettyLeakCheckTest {
    @Test
    void isActiveForEveryTestOfThisJvm() {
        assertTrue(LeakDetector.installedFor(ByteBuf.class), "Netty's ByteBuf leak detector is not ours");
        assertTrue(LeakDetector.running().endsWith("NettyLeakCheckTest.isActiveForEveryTestOfThisJvm [isActiveForEveryTestOfThisJvm()]"),
                "the extension was not auto-detected: it did not name this test (" + LeakDetector.running() + ")");
    }

    @Test
    void theTestThatLeakedFailsWithReportsNamingIt() {
        Map<String, TestExecutionResult> results = runExamples();
        assertEquals(TestExecutionResult.Status.SUCCESSFUL, results.get("releasesWhatItAllocates").getStatus());
        for (String leaky : new String[] {"leaksTenUnpooledBuffers", "leaksOnePooledBuffer"}) {
            TestExecutionResult r = results.get(leaky);
            assertEquals(TestExecutionResult.Status.FAILED, r.getStatus(), leaky + " passed");
            Throwable why = r.getThrowable().orElseThrow();
            assertInstanceOf(AssertionError.class, why);
            assertTrue(why.getMessage().contains("LEAK: ByteBuf.release() was not called"), why.getMessage());
            assertTrue(why.getMessage().contains("allocated while running #") && why.getMessage().contains("Examples." + leaky), why.getMessage());
        }
    }

    @Test
    void aSecondRunOfTheSameLeakIsReportedToo() {
        // Netty reports identical traces once per JVM; the per-run hint keeps a repeated leak from going quiet
        assertEquals(TestExecutionResult.Status.FAILED, runExamples().get("leaksTenUnpooledBuffers").getStatus());
        assertEquals(TestExecutionResult.Status.FAILED, runExamples().get("leaksTenUnpooledBuffers").getStatus());
    }

    private static Map<String, TestExecutionResult> runExamples() {
        Map<String, TestExecutionResult> results = new ConcurrentHashMap<>();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Examples.class)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        id.getSource().filter(MethodSource.class::isInstance)
                                .ifPresent(s -> results.put(((MethodSource) s).getMethodName(), result));
                    }
                });
        assertEquals(3, results.size(), "examples that ran: " + results.keySet());
        return results;
    }

    /** Run only by {@link #runExamples()}: Surefire does not pick up nested classes, and JUnit runs only {@code @Nested} ones. */
    static class Examples {
        @Test
        void leaksTenUnpooledBuffers() {
            for (int i = 0; i < 10; i++) UnpooledByteBufAllocator.DEFAULT.buffer(16).writeInt(i);
        }

        @Test
        void leaksOnePooledBuffer() {
            ByteBufAllocator pooled = PooledByteBufAllocator.DEFAULT;
            pooled.directBuffer(64).writeLong(42);
        }

        @Test
        void releasesWhatItAllocates() {
            ByteBuf b = UnpooledByteBufAllocator.DEFAULT.buffer(16).writeInt(1);
            b.release();
        }
    }
}
