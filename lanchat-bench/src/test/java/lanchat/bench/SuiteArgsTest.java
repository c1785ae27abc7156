package lanchat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class SuiteArgsTest {
    private static final Path CWD = Path.of("/srv/lanchat");

    @Test
    void defaultsToAQuickRunOfEverythingWritingTheRepositorysBenchmarks() {
        SuiteArgs a = SuiteArgs.parse(new String[0], CWD);
        assertSame(Plan.QUICK, a.plan());
        assertEquals(CWD, a.repo());
        assertEquals(CWD.resolve("BENCHMARKS.md"), a.out());
        assertTrue(a.jmh() && a.profile());
        assertEquals(List.of(), a.pairs(), "every pair of the matrix");
        assertFalse(a.startupOnly());
    }

    @Test
    void startupOnlySelectsTheStartupRows() {
        SuiteArgs a = SuiteArgs.parse(new String[] {"--startup-only", "--out", "s.md"}, CWD);
        assertTrue(a.startupOnly());
        assertEquals(CWD.resolve("s.md"), a.out());
    }

    @Test
    void pairsSelectPartOfTheMatrix() {
        SuiteArgs a = SuiteArgs.parse(new String[] {"--pairs", "libp2p-psk>libp2p-psk,go-psk>libp2p-psk", "--out", "x.md"}, CWD);
        assertEquals(List.of("libp2p-psk>libp2p-psk", "go-psk>libp2p-psk"), a.pairs());
        assertEquals(CWD.resolve("x.md"), a.out());
        assertThrows(IllegalArgumentException.class, () -> SuiteArgs.parse(new String[] {"--pairs"}, CWD));
    }

    @Test
    void flagsSetPlanPathsAndSkips() {
        SuiteArgs a = SuiteArgs.parse(new String[] {"--full", "--repo", "other", "--skip-jmh", "--out", "/tmp/b.md", "--skip-profile"}, CWD);
        assertSame(Plan.FULL, a.plan());
        assertEquals(Path.of("/srv/lanchat/other"), a.repo(), "relative to the working directory");
        assertEquals(Path.of("/tmp/b.md"), a.out());
        assertFalse(a.jmh());
        assertFalse(a.profile());
        assertEquals(Path.of("/r/BENCHMARKS.md"), SuiteArgs.parse(new String[] {"--repo", "/r"}, CWD).out(), "out follows --repo");
        assertSame(Plan.QUICK, SuiteArgs.parse(new String[] {"--full", "--quick"}, CWD).plan(), "the last mode wins");
    }

    @Test
    void unknownFlagsAndMissingValuesAreRejected() {
        for (List<String> bad : List.of(List.of("--fast"), List.of("--repo"), List.of("--skip-jmh", "--out"), List.of("extra"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SuiteArgs.parse(bad.toArray(String[]::new), CWD));
            assertTrue(e.getMessage().contains(bad.get(bad.size() - 1)), e.getMessage());
        }
    }

    @Test
    void plansAreBounded() {
        for (Plan p : List.of(Plan.QUICK, Plan.FULL)) {
            assertTrue(p.budgetSecs() > 0 && p.clientTimeout() > 0, p.name());
        }
        assertTrue(Plan.QUICK.budgetSecs() <= 480, "quick mode stays within its 5-minute promise (plus build)");
        assertTrue(Plan.FULL.isFull());
        assertFalse(Plan.QUICK.isFull());
    }
}
