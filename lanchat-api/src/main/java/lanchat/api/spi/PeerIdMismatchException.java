package lanchat.api.spi;

import java.io.IOException;

import lanchat.api.PeerId;

/**
 * A dial reached a node that proved another identity than the one the address named: the address belongs to someone
 * else now (or was never the peer's). A transport fails the dial with this as the cause, so the app can tell it from
 * an address that is merely unreachable, and stop dialing that address for that peer.
 */
public final class PeerIdMismatchException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient PeerId expected;
    private final transient PeerId actual;

    public PeerIdMismatchException(PeerId expected, PeerId actual) {
        super("peer id mismatch: expected " + expected + ", got " + actual);
        this.expected = expected;
        this.actual = actual;
    }

    /** The peer id the dialed address named. */
    public PeerId expected() {
        return expected;
    }

    /** The peer id the remote proved. */
    public PeerId actual() {
        return actual;
    }
}
