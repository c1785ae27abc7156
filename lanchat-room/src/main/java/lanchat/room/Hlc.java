package lanchat.room;

/**
 * A hybrid logical clock packed in one long, {@code (physical ms << 16) | counter}: it stays within the allowed skew
 * of the wall clock yet never goes backwards and always runs ahead of every stamp it has seen, so a reply sorts after
 * what it answers even between machines whose clocks disagree. Packing lets the counter carry into the milliseconds
 * (65,536 events in one ms) instead of overflowing.
 */
final class Hlc {
    private long last;

    /** Starts at or after {@code floor} (the largest stamp in the store), so a restart never goes back. */
    Hlc(long floor) {
        this.last = floor;
    }

    /** The stamp of an event of ours: after everything seen and not before our wall clock. */
    long next(long nowMs) {
        last = Math.max(last + 1, stamp(nowMs));
        return last;
    }

    /** A stamp received in an accepted message: ours move past it. */
    void observe(long remote) {
        if (remote > last) last = remote;
    }

    long last() {
        return last;
    }

    static long stamp(long ms) {
        return ms << 16;
    }

    static long millis(long hlc) {
        return hlc >>> 16;
    }

    /** The largest stamp accepted at {@code nowMs}: one far-future stamp must not drag every clock forward for good. */
    static long acceptable(long nowMs, long skewMs) {
        return stamp(nowMs + skewMs) | 0xFFFF;
    }
}
