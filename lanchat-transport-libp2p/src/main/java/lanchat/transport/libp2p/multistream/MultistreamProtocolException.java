package lanchat.transport.libp2p.multistream;

import io.netty.handler.codec.DecoderException;

/**
 * A multistream-select negotiation failed: the peer sent something malformed or out of order, exceeded a
 * limit, refused every protocol we proposed, or went away before a protocol was selected.
 */
public class MultistreamProtocolException extends DecoderException {
    public MultistreamProtocolException(String message) {
        super(message);
    }
}
