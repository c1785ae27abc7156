package lanchat.transport.libp2p.multistream;

import java.util.List;

/**
 * The peer answered {@code na} to every protocol we proposed: it is there and speaks multistream-select, it just does
 * not speak (or no longer takes) what we asked for. Other failures (a reset, the connection gone, a malformed answer)
 * say nothing about what the peer speaks and are plain {@link MultistreamProtocolException}s.
 */
public final class ProtocolsRefusedException extends MultistreamProtocolException {
    private final List<String> refused;

    public ProtocolsRefusedException(List<String> refused) {
        super("peer refused every protocol we proposed: " + refused);
        this.refused = List.copyOf(refused);
    }

    /** What we proposed, in order. */
    public List<String> refused() {
        return refused;
    }
}
