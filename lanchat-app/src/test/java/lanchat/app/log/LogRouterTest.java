package lanchat.app.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import lanchat.app.node.ManualLoop;

/**
 * The log backend on a virtual clock: its thread is a {@link ManualLoop}, so the test decides when lines reach the
 * sink and when an interval ends.
 */
class LogRouterTest {
    final ManualLoop loop = new ManualLoop();
    final LogRouter router = new LogRouter(() -> loop.now().toNanos(), () -> loop);
    final List<String> sink = new CopyOnWriteArrayList<>();
    final Logger upgrader = router.getLogger("lanchat.transport.libp2p.upgrade.ConnectionUpgrader");

    {
        router.sendTo(sink::add);
    }

    @Test
    void handshakeFailuresFromOneHostAreSummarisedOncePerIntervalWhateverTheirPorts() {
        // issue 13: a flood of failed inbound handshakes, 1,500 a second for 40 s, each from a new port
        for (int i = 0; i < 60_000; i++) {
            upgrader.warn("libp2p handshake with {} failed: {}", new InetSocketAddress("10.0.0.66", 1024 + i % 60_000), "handshake timed out");
            loop.advance(Duration.ofNanos(666_667));
        }
        loop.advance(Duration.ofSeconds(30));
        assertEquals(5, sink.size(), String.join("\n", sink));
        assertEquals("[WARN] ConnectionUpgrader - libp2p handshake with /10.0.0.66:1024 failed: handshake timed out", sink.get(0));
        for (String s : sink.subList(1, 5)) {
            assertTrue(s.matches("\\[WARN] ConnectionUpgrader - repeated 1[45],\\d{3} times in the last 10 s: libp2p handshake with 10\\.0\\.0\\.66 failed: handshake timed out"), s);
        }
        assertEquals(60_000, 1 + sink.subList(1, 5).stream().mapToLong(LineThrottleTest::count).sum(), "every failure is counted once");
    }

    @Test
    void twoHostsAreTwoGroups() {
        upgrader.warn("libp2p handshake with {} failed: {}", new InetSocketAddress("10.0.0.66", 1), "x");
        upgrader.warn("libp2p handshake with {} failed: {}", new InetSocketAddress("10.0.0.67", 1), "x");
        upgrader.warn("libp2p handshake with {} failed: {}", new InetSocketAddress("10.0.0.66", 2), "x");
        loop.advance(Duration.ofSeconds(10));
        assertEquals(List.of("[WARN] ConnectionUpgrader - libp2p handshake with /10.0.0.66:1 failed: x",
                "[WARN] ConnectionUpgrader - libp2p handshake with /10.0.0.67:1 failed: x",
                "[WARN] ConnectionUpgrader - repeated once in the last 10 s: libp2p handshake with 10.0.0.66 failed: x"), sink);
    }

    @Test
    void levelsAreWarnAndUpNettyErrorOnlyAndVerboseShowsDebugWithStackTraces() {
        Logger netty = router.getLogger("io.netty.channel.DefaultChannelPipeline");
        upgrader.info("hidden");
        upgrader.debug("hidden");
        netty.warn("hidden");
        netty.error("shown");
        upgrader.error("boom", new IllegalStateException("bad state"));
        loop.runReady();
        assertEquals(List.of("[ERROR] DefaultChannelPipeline - shown", "[ERROR] ConnectionUpgrader - boom (java.lang.IllegalStateException: bad state)"), sink);

        sink.clear();
        router.verbose(true);
        upgrader.debug("detail {}", 1);
        upgrader.warn("failed", new IllegalStateException("bad state"));
        loop.runReady();
        assertEquals("[DEBUG] ConnectionUpgrader - detail 1", sink.get(0));
        assertEquals("[WARN] ConnectionUpgrader - failed", sink.get(1));
        assertEquals("java.lang.IllegalStateException: bad state", sink.get(2));
        assertTrue(sink.get(3).startsWith("\tat "), sink.get(3));
    }

    @Test
    void loggingNeverWaitsForTheSinkLinesBeyondTheQueueAreCountedNotKept() {
        router.verbose(true); // nothing throttled: only the queue bounds the lines
        for (int i = 0; i < 1000; i++) upgrader.warn("line {}", i); // the sink's thread has not run yet: as if it were stuck
        assertEquals(List.of(), sink);
        loop.runReady();
        assertEquals(LogRouter.MAX_QUEUED + 1, sink.size());
        assertEquals("[WARN] ConnectionUpgrader - line 255", sink.get(LogRouter.MAX_QUEUED - 1));
        assertEquals("(744 log lines dropped: the console could not keep up)", sink.get(LogRouter.MAX_QUEUED));
    }

    @Test
    void flushShowsTheLastSummariesAtOnce() {
        for (int i = 0; i < 5; i++) upgrader.warn("libp2p handshake with {} failed: {}", new InetSocketAddress("10.0.0.66", 1 + i), "x");
        loop.advance(Duration.ofSeconds(2));
        router.flush(0);
        loop.runReady();
        assertEquals("[WARN] ConnectionUpgrader - repeated 4 times in the last 2 s: libp2p handshake with 10.0.0.66 failed: x", sink.get(1));
    }

    @Test
    void theAppsProviderIsDeclaredInTheModuleAndBoundInTheseTests() throws Exception {
        Path descriptor = Path.of(ConsoleLogProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve("module-info.class");
        ModuleDescriptor d = ModuleDescriptor.read(Files.newInputStream(descriptor));
        assertTrue(d.provides().stream().anyMatch(p -> p.service().equals("org.slf4j.spi.SLF4JServiceProvider") && p.providers().equals(List.of(ConsoleLogProvider.class.getName()))),
                d.provides().toString());
        assertTrue(LogRouter.active().isPresent(), "surefire's -Dslf4j.provider should bind the app's backend, got " + LoggerFactory.getILoggerFactory());
    }
}
