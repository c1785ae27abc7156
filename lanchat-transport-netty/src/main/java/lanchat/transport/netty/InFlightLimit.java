package lanchat.transport.netty;

/**
 * How much bulk data all channels of one connection together may have sent and not yet had credited back: the
 * shared bound of {@link ChannelMux}. Event loop only.
 *
 * <p>Why it moves. The bound keeps a chat line or a pong from queueing behind more than a little bulk data, but it
 * also caps a connection's bulk throughput at one bound per credit round trip. {@link #FLOOR} (32 KiB) is what the
 * chat round-trip goal was measured with on 127.0.0.1 (BENCHMARKS.md); over a real link it would cap a file at
 * 32 KiB per round trip: 65 MB/s at 0.5 ms, 11 MB/s on Wi-Fi's 3 ms, far below either link. What adds latency for a
 * chat line is not data on the wire but data queued ahead of it (in a socket buffer, or waiting for the receiver's
 * cipher): so the bound grows while the credit round trip stays near the smallest seen (nothing queues), and shrinks
 * when it rises well above it (something queues), the way delay-based congestion control (TCP Vegas, LEDBAT) keeps
 * queues short. A round trip at most twice the idle one is the goal for chat during a transfer, and the
 * shrink rule's trigger.
 *
 * <p>Where it stays put: below {@link #LINK_RTT_NANOS} of smallest round trip (127.0.0.1, a fast wired LAN) the floor
 * already allows more than a gigabit link carries, and samples there are mostly scheduler noise, so the bound stays at
 * the floor, as measured. The smallest round trip is forgotten when no sample came near it for
 * {@link #MIN_RTT_WINDOW_NANOS} (a path can get slower for good), and the bound goes back to the floor at that moment,
 * so the next samples see a drained path (BBR's "probe RTT").
 *
 * <p>Round trips are sampled from the bytes themselves: the running total sent is marked at each chunk with its time;
 * when the credited (or released) total passes a mark, a credit round trip ends. With several channels crediting in
 * their own order this is an approximation, which is all the rule needs. Marks are bounded ({@link #MARKS}).
 */
final class InFlightLimit {
    /**
     * The bound on 127.0.0.1 and fast links, and the least it ever is. Re-measured once transport messages became
     * AES-256-GCM (issue 16; 32 KiB now decrypts in about 15 µs, so the cipher no longer sets it): a larger floor
     * made a file over 127.0.0.1 slower and chat slower with it (FileBench 256 MiB, quiet machine: 32 KiB 0.85× the
     * channel's own throughput with chat 0.4× idle, 64 KiB 0.64× and 1.0×, 128 KiB 0.48× and 1.5×, 256 KiB 0.32× and
     * 4.6×; more bytes uncredited only queue in socket buffers and the receiver), and no faster between two network
     * namespaces (512 MiB: 52–87 MB/s at 32 KiB, 79 at 128 KiB, 57 at 512 KiB), where the bound is not what holds the
     * file back. So it stays 32 KiB, for either cipher.
     */
    static final int FLOOR = 32 * 1024;
    /** The most it grows to: the windows of four busy channels. */
    static final int CEILING = 4 * ChannelFrames.WINDOW;
    /** How much it grows per round trip sample that saw no queue: one credit step, so a window's worth of samples doubles it. */
    static final int STEP = NettyProtocolChannel.CREDIT_STEP;
    /** Below this smallest round trip the bound stays at the floor (32 KiB per 0.25 ms is 131 MB/s, more than a gigabit link). */
    static final long LINK_RTT_NANOS = 250_000;
    /** How long the smallest round trip is trusted. */
    static final long MIN_RTT_WINDOW_NANOS = 10_000_000_000L;
    /** Chunks whose send time is remembered; older marks are dropped (their round trip is not sampled). */
    static final int MARKS = 256;

    private final long[] markTotals = new long[MARKS];
    /** When the mark's chunk was written; {@link #UNTIMED} for one whose round trip must not be sampled. */
    private final long[] markTimes = new long[MARKS];
    private static final long UNTIMED = Long.MIN_VALUE;
    private int head, count;
    private long sentTotal, settledTotal;
    private long minRtt = Long.MAX_VALUE, minRttSince;
    private int limit = FLOOR;

    /** The bound now. */
    int limit() {
        return limit;
    }

    /** The smallest credit round trip now trusted, in nanoseconds; {@code Long.MAX_VALUE} before the first. */
    long minRtt() {
        return minRtt;
    }

    /**
     * {@code cost} bytes of credit were spent on a chunk written at {@code now} (nanoseconds). {@code timed}: whether
     * its credit's round trip says something about the path; not for chunks sent beyond the bound (an older peer's
     * half-window allowance): they queue, and a queue in the first samples would pass for the path's own round trip.
     */
    void sent(long cost, long now, boolean timed) {
        sentTotal += cost;
        if (count == MARKS) { // the oldest mark goes: its round trip is simply not sampled
            head = (head + 1) % MARKS;
            count--;
        }
        int tail = (head + count) % MARKS;
        markTotals[tail] = sentTotal;
        markTimes[tail] = timed ? now : UNTIMED;
        count++;
    }

    /**
     * {@code bytes} of spent credit stopped being outstanding at {@code now}: granted back by the peer ({@code credit}),
     * or released because their channel ended (no round trip to learn from).
     */
    void settled(long bytes, boolean credit, long now) {
        settledTotal += bytes;
        long sentAt = UNTIMED;
        while (count > 0 && markTotals[head] <= settledTotal) {
            sentAt = markTimes[head]; // the newest chunk settled: the round trip of the last byte credited
            head = (head + 1) % MARKS;
            count--;
        }
        if (credit && sentAt != UNTIMED) sample(Math.max(0, now - sentAt), now);
    }

    private void sample(long rtt, long now) {
        if (minRtt != Long.MAX_VALUE && now - minRttSince > MIN_RTT_WINDOW_NANOS) {
            minRtt = Long.MAX_VALUE; // forget it, and drain: the next samples see the path without our queue
            limit = FLOOR;
        }
        if (minRtt == Long.MAX_VALUE || rtt <= minRtt + minRtt / 16) { // a new smallest, or the old one seen again: trusted for another window
            minRtt = Math.min(minRtt, rtt);
            minRttSince = now;
        }
        if (minRtt < LINK_RTT_NANOS) {
            limit = FLOOR;
        } else if (rtt <= minRtt + minRtt / 4) {
            limit = Math.min(CEILING, limit + STEP);
        } else if (rtt > 2 * minRtt) {
            limit = Math.max(FLOOR, limit - limit / 4);
        }
    }
}
