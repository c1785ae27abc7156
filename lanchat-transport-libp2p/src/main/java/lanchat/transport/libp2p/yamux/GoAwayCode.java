package lanchat.transport.libp2p.yamux;

/** The error codes a yamux Go Away frame carries in its length field. */
public enum GoAwayCode {
    NORMAL(0),
    PROTOCOL_ERROR(1),
    INTERNAL_ERROR(2);

    private final int code;

    GoAwayCode(int code) {
        this.code = code;
    }

    public long code() {
        return code;
    }

    /** The constant for {@code code}, or null for a code the spec does not define. */
    public static GoAwayCode of(long code) {
        for (GoAwayCode c : values()) if (c.code == code) return c;
        return null;
    }
}
