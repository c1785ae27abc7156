package lanchat.transport.libp2p.yamux;

import io.netty.channel.CombinedChannelDuplexHandler;

/**
 * {@link YamuxFrameDecoder} and {@link YamuxFrameEncoder} as one handler; put it in front of
 * {@link YamuxSession}.
 */
public final class YamuxFrameCodec extends CombinedChannelDuplexHandler<YamuxFrameDecoder, YamuxFrameEncoder> {
    public YamuxFrameCodec() {
        this(YamuxFrameDecoder.DEFAULT_MAX_DATA_LENGTH);
    }

    /** @param maxDataLength the longest Data frame accepted; see {@link YamuxFrameDecoder} */
    public YamuxFrameCodec(int maxDataLength) {
        super(new YamuxFrameDecoder(maxDataLength), new YamuxFrameEncoder());
    }
}
