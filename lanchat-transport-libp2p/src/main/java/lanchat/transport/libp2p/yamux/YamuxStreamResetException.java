package lanchat.transport.libp2p.yamux;

import io.netty.channel.ChannelException;

/** Fails the writes still queued on a stream that was reset (RST), by the peer or locally. */
public class YamuxStreamResetException extends ChannelException {
    private final int streamId;

    public YamuxStreamResetException(int streamId, String message) {
        super("stream " + Integer.toUnsignedString(streamId) + ": " + message);
        this.streamId = streamId;
    }

    public int streamId() {
        return streamId;
    }
}
