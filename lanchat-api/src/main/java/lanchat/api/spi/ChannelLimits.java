package lanchat.api.spi;

/**
 * What one protocol's channels may cost, per channel and per session; checked by the transport before memory is
 * committed (a peer that exceeds them gets its channel refused or reset, never our memory).
 *
 * @param maxMessageBytes largest message either side may send; a larger incoming one resets the channel
 * @param sendBufferBytes unsent bytes a channel may hold before {@link ProtocolChannel#send} fails at once
 * @param receiveBufferBytes bytes delivered to the listener but not yet done with (see {@link ChannelListener#onMessage}) before reading pauses
 * @param maxInboundPerSession channels of this protocol the peer may have open towards us at once; more are refused
 */
public record ChannelLimits(int maxMessageBytes, int sendBufferBytes, int receiveBufferBytes, int maxInboundPerSession) {
    /** 64 KiB messages, 1 MiB send buffer, 256 KiB receive buffer, 8 inbound channels per session. */
    public static final ChannelLimits DEFAULT = new ChannelLimits(64 * 1024, 1 << 20, 256 * 1024, 8);

    public ChannelLimits {
        if (maxMessageBytes < 1 || maxMessageBytes > (16 << 20)) throw new IllegalArgumentException("maxMessageBytes must be 1 B..16 MiB: " + maxMessageBytes);
        if (sendBufferBytes < maxMessageBytes) throw new IllegalArgumentException("sendBufferBytes must hold one message: " + sendBufferBytes);
        if (receiveBufferBytes < 1) throw new IllegalArgumentException("receiveBufferBytes must be positive: " + receiveBufferBytes);
        if (maxInboundPerSession < 0 || maxInboundPerSession > 1024) throw new IllegalArgumentException("maxInboundPerSession must be 0..1024: " + maxInboundPerSession);
    }
}
