package lanchat.transport.libp2p.multistream;

import java.util.Objects;

/**
 * User event fired by {@link MultistreamSelectHandler} when negotiation failed; the channel is then closed
 * (unless it already was).
 */
public record ProtocolSelectionFailed(MultistreamProtocolException cause) {
    public ProtocolSelectionFailed {
        Objects.requireNonNull(cause, "cause");
    }
}
