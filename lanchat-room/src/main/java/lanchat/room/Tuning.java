package lanchat.room;

/**
 * The room log's timings and rates. One set of defaults for the app; tests shorten the times.
 *
 * @param maxSkewMs how far ahead of our clock a stamp may be before the message is ignored for now
 * @param haveIntervalMs our have-vector is re-sent this often even without change
 * @param haveDebounceMs ... and at most this often when it changes
 * @param memberTtlMs a member whose have-vector is older than this is no longer present
 * @param wantTimeoutMs a WANT with no answer for this long is asked of another peer
 * @param catchUpQuietMs a catch-up block is shown once no WANT is outstanding and nothing came for this long
 * @param pruneIntervalMs how often retention runs (off the hot path, in batches)
 */
record Tuning(long maxSkewMs, long haveIntervalMs, long haveDebounceMs, long memberTtlMs, long wantTimeoutMs, long catchUpQuietMs, long pruneIntervalMs,
              double authorRate, int authorBurst, double ownRate, int ownBurst, double plainRate, int plainBurst) {
    static final Tuning DEFAULTS = new Tuning(120_000, 20_000, 500, 60_000, 10_000, 300, 60_000, 20, 60, 10, 60, 5, 20);

    /** Outstanding WANTs we send one peer, and WANTs of one peer we queue to serve. */
    static final int MAX_WANTS_PER_PEER = 8;
    /** Signature failures after which a peer's channel is reset. */
    static final int MAX_INVALID = 5;
    /** Members (have-vectors) remembered. */
    static final int MAX_MEMBERS = 256;
    /** Authors named in all SUMMARY frames of one exchange (4 frames). */
    static final int MAX_SUMMARY_AUTHORS = 1024;
    /** Envelope bytes per MESSAGES frame: under the 64 KiB frame with room for the framing of each. */
    static final int PAGE_BYTES = 60 * 1024;
    /** Rows read per page of a WANT's answer. */
    static final int PAGE_ROWS = 256;
    /** Ids remembered per neighbour as sent to or received from it (relay never sends them back). */
    static final int RECENT_PER_PEER = 4096;
    /** Messages in one catch-up block before it is shown even if more are coming. */
    static final int MAX_BLOCK = 1000;
    /** Rows pruned per transaction. */
    static final int PRUNE_BATCH = 500;
    /**
     * A line whose author's clock stamped it no earlier than this before our session with the neighbour it came from
     * opened, arriving in that session's first catch-up exchange, was posted as the session opened: it is shown live,
     * not in a "while you were away" block (it only missed the channel by a moment).
     */
    static final long LIVE_SLACK_MS = 250;
    /**
     * A relay holds back its copy for a neighbour that is a direct neighbour of the message's author (it gets the
     * message from the author) this long, then sends it only if that neighbour has still not said it holds it.
     */
    static final long RELAY_BACKSTOP_MS = 2000;
    /** Copies held back at once; beyond it a copy is sent at once (memory stays bounded, delivery never waits on it). */
    static final int MAX_HELD_RELAYS = 256;
}
