package lanchat.bench;

/**
 * The sizes of one suite run: warm-up and measured counts per measurement, transfer sizes, JMH iterations and the
 * time budget of the whole run.
 */
record Plan(String name, int rttWarmup, int rttCount, int pingWarmup, int pingCount, long tpWarmup, long tpBytes,
            int setupWarmup, int setupCount, long aggWarmup, long aggBytes, int aggConns, int startRuns, long idleMillis,
            int clientTimeout, int jmhWarmups, int jmhWarmupMs, int jmhIterations, int jmhMs, long budgetSecs) {

    static final long MiB = 1L << 20;

    // Warm-ups are large on purpose: a fresh JVM needs ~20,000 round trips before C2 has compiled the hot paths (3,000
    // left the Java client at 3× its steady-state RTT), and ~1,000 connections before its Ed25519/X25519 code is (300
    // left setup at 2× its steady state; quick mode's 500 keep it under 5 minutes, a little above steady state); every
    // implementation gets the same counts.
    static final Plan QUICK = new Plan("quick", 20_000, 5_000, 500, 1_000, 64 * MiB, 256 * MiB, 500, 100, 64 * MiB, 128 * MiB, 100,
            2, 3_000, 120, 1, 300, 1, 500, 420); // idle: 3 s after ready (the node collects its start-up garbage once it is up)
    static final Plan FULL = new Plan("full", 30_000, 10_000, 2_000, 2_000, 256 * MiB, 1024 * MiB, 2_000, 500, 128 * MiB, 1024 * MiB, 100,
            7, 5_000, 400, 3, 1_000, 5, 1_000, 2_400);

    /** {@code --full}: the plan that measures everything, where quick mode leaves some rows out to stay short. */
    boolean isFull() {
        return this == FULL;
    }
}
