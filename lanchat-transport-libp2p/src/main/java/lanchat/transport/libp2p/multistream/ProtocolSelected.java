package lanchat.transport.libp2p.multistream;

import java.util.Objects;

/**
 * User event fired by {@link MultistreamSelectHandler} when both sides agreed on {@code protocol}. It is
 * fired before the handler leaves the pipeline, so a handler reacting to it can install the protocol's
 * handlers and still receive any bytes the peer sent right after the selection.
 */
public record ProtocolSelected(String protocol) {
    public ProtocolSelected {
        Objects.requireNonNull(protocol, "protocol");
    }
}
