package lanchat.transport.libp2p.yamux;

/** The yamux frame types and their wire codes. */
public enum YamuxFrameType {
    /** Stream data; the length field counts the payload bytes that follow the header. */
    DATA(0),
    /** Adds the length field to the stream's send window; no payload. */
    WINDOW_UPDATE(1),
    /** Round-trip probe on stream 0; the length field is an opaque value echoed back. */
    PING(2),
    /** Session termination on stream 0; the length field is a {@link GoAwayCode}. */
    GO_AWAY(3);

    private static final YamuxFrameType[] BY_CODE = values();

    private final int code;

    YamuxFrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for {@code code}, or null if there is none. */
    public static YamuxFrameType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
