package lanchat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suite's statistics and the parsers of what the JVM tools and /proc print. */
class NumbersTest {
    @Test
    void medianIsTheLowerMiddleOfTheSortedValues() {
        assertEquals(3.0, Numbers.median(List.of(5.0, 3.0, 1.0)));
        assertEquals(2.0, Numbers.median(List.of(4.0, 1.0, 3.0, 2.0)), "even count: the smaller middle value, one that was measured");
        assertEquals(7.0, Numbers.median(List.of(7.0)));
        assertEquals(20L, Numbers.medianLong(List.of(30L, 10L, 20L, 40L)));
    }

    @Test
    void medianWithRangeShowsMinAndMax() {
        assertEquals("0.45 (0.40–0.61)", Numbers.medianWithRange(List.of(0.61, 0.4, 0.45), 2));
        assertEquals("0.45", Numbers.medianWithRange(List.of(0.449), 2));
        assertEquals("—", Numbers.medianWithRange(List.of(), 2));
    }

    @Test
    void formattingIsFixedPointWithADot() {
        assertEquals("2.48", Numbers.fmt(30.5 / 12.3, 2));
        assertEquals("10.3", Numbers.fmt(10.25, 1), "half-up");
        assertEquals("1000", Numbers.fmt(999.6, 0));
        assertEquals("3", Numbers.secs(2_600_000_000L));
    }

    @Test
    void loadAverageDecidesWhetherTheMachineWasBusy() {
        assertEquals(1.5, Machine.parseLoad("1.50, 1.00, 0.50"));
        assertEquals(0, Machine.parseLoad("?"));
        assertFalse(ReportTest.machine("1.00, 2, 2", "0.2, 2, 2").loaded(), "exactly half of 2 cores is not loaded");
        assertTrue(ReportTest.machine("0.1, 0, 0", "1.01, 0, 0").loaded(), "the end counts too");
    }

    @Test
    void perfCountersGiveCreationTimeClassesAndThreads() {
        String perf = """
                sun.rt.createVmBeginTime=1700000000100
                sun.rt.createVmEndTime=1700000000160
                java.cls.loadedClasses=1200
                java.cls.sharedLoadedClasses=800
                java.threads.live=17
                java.property.java.vm.name="OpenJDK 64-Bit Server VM"
                """;
        assertEquals("60 ms / 2000 / 17", StartupAndMemory.perfSummary(perf));
        assertEquals("? ms / -1 / -1", StartupAndMemory.perfSummary("garbage"));
    }

    @Test
    void nativeMemorySummaryGivesCommittedKiBByCategory() {
        String nmt = """
                12345:

                Native Memory Tracking:

                Total: reserved=1500000KB, committed=60000KB
                       malloc: 9000KB #100
                -                 Java Heap (reserved=1000000KB, committed=20000KB)
                                            (mmap: reserved=1000000KB, committed=20000KB)
                -                     Class (reserved=300000KB, committed=1500KB)
                -                    Thread (reserved=20000KB, committed=900KB)
                """;
        assertEquals(Map.of("Total (NMT)", 60000L, "Java Heap", 20000L, "Class", 1500L, "Thread", 900L), Profile.committedKiB(nmt));
        assertEquals(List.of("Total (NMT)", "Java Heap", "Class", "Thread"), List.copyOf(Profile.committedKiB(nmt).keySet()), "in the order printed");
    }

    @Test
    void launcherFlagsAreReadFromTheScript(@TempDir Path repo) throws Exception {
        Files.writeString(repo.resolve("lanchat"), "#!/bin/sh\n# flags=\"not this\"\nflags=\"-XX:+UseSerialGC -Xms8m  -Xmx128m\"\nexec java $flags\n");
        assertEquals(List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx128m"), LauncherFlags.read(repo));
        Files.writeString(repo.resolve("lanchat"), "#!/bin/sh\nexec java\n");
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> LauncherFlags.read(repo)).getMessage().contains("flags="));
    }
}
