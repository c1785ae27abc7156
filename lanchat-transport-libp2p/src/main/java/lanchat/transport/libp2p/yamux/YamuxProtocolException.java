package lanchat.transport.libp2p.yamux;

import io.netty.handler.codec.DecoderException;

/** The peer broke the yamux protocol; the session answers with Go Away (protocol error) and closes. */
public class YamuxProtocolException extends DecoderException {
    public YamuxProtocolException(String message) {
        super(message);
    }
}
