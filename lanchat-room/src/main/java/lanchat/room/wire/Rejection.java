package lanchat.room.wire;

/** Why an envelope or frame from the network was not accepted; the message says it in one line. */
public final class Rejection extends Exception {
    /** What went wrong, coarse enough to count and to log once per kind. */
    public enum Kind {
        /** Not decodable: truncated, wrong wire type, a field twice, a missing field. */
        MALFORMED,
        /** Over a size limit (envelope, text, nick, entries). */
        OVERSIZED,
        /** Signed for another room. */
        WRONG_ROOM,
        /** A key type the room log does not accept (v1: Ed25519 only). */
        UNSUPPORTED_KEY,
        /** The signature does not verify: the sender relayed a forgery or corrupted it. */
        BAD_SIGNATURE,
        /** Stamped too far ahead of our clock: ignored for now (not stored), catch-up brings it back later. */
        FUTURE,
        /** A second, different message with the same (room, author, seq): equivocation. */
        CONFLICT,
        /** Over a per-author or per-peer rate: not stored now, catch-up brings it back later. */
        RATE_LIMITED
    }

    private final Kind kind;

    public Rejection(Kind kind, String message) {
        super(message, null, false, false); // expected on hostile input: no stack trace to fill
        this.kind = kind;
    }

    public Kind kind() { return kind; }

    /** True when the input may be fine later (clock skew, rate): never a permanent verdict on the message. */
    public boolean transientRejection() { return kind == Kind.FUTURE || kind == Kind.RATE_LIMITED; }
}
