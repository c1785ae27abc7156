package lanchat.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What every step of one suite run shares: the plan, where the repository and this run's logs are, how to start a
 * Java bench peer, the launcher's small flags, and the run's time budget.
 *
 * @param java      the java binary running the suite (bench JVMs use the same one)
 * @param classPath the suite's class path, which holds the Java bench peer
 * @param deadline  {@link System#nanoTime()} at which the run's time budget is used up
 */
record RunContext(Plan plan, Path repo, Path work, String java, String classPath, List<String> smallFlags, long deadline) {

    /** True once the budget is used up: steps and matrix servers not yet started are skipped. */
    boolean overBudget() {
        return System.nanoTime() - deadline > 0;
    }

    /** A child process whose logs go to this run's directory. */
    Proc start(String name, List<String> cmd) throws IOException {
        return Proc.start(name, cmd, repo, work);
    }

    /** The log directory, relative to the repository (as printed in notes and the report). */
    Path logDir() {
        return repo.relativize(work);
    }
}
