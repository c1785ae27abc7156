package lanchat.transport.libp2p.yamux;

/**
 * Limits and sizes of a {@link YamuxSession}.
 *
 * @param receiveWindow the window each stream grants the peer; the spec's initial 256 KiB, or more (the extra
 *     is announced in the SYN or ACK frame), at most {@link YamuxFrameDecoder#DEFAULT_MAX_DATA_LENGTH}
 * @param maxInboundStreams streams the peer may have open at once; further SYNs are answered with RST
 * @param maxOutboundStreams streams we may have open at once; {@code openStream} fails beyond it
 * @param maxAckBacklog outbound streams not yet acknowledged by the peer (the spec's ACK backlog, 256);
 *     {@code openStream} fails beyond it
 * @param maxDataFrameSize the largest Data frame we send, so that one stream cannot hog the connection
 * @param maxOutstandingPings pings awaiting an answer; {@code ping()} fails beyond it
 */
public record YamuxConfig(int receiveWindow, int maxInboundStreams, int maxOutboundStreams, int maxAckBacklog,
                          int maxDataFrameSize, int maxOutstandingPings) {
    /** Both sides assume this window for a new stream (spec: "256KB"). */
    public static final int INITIAL_WINDOW = 256 * 1024;

    public YamuxConfig {
        if (receiveWindow < INITIAL_WINDOW || receiveWindow > YamuxFrameDecoder.DEFAULT_MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("receiveWindow must be in [" + INITIAL_WINDOW + ", "
                    + YamuxFrameDecoder.DEFAULT_MAX_DATA_LENGTH + "]: " + receiveWindow);
        }
        if (maxInboundStreams < 0) {
            throw new IllegalArgumentException("maxInboundStreams must be non-negative: " + maxInboundStreams);
        }
        if (maxOutboundStreams < 0) {
            throw new IllegalArgumentException("maxOutboundStreams must be non-negative: " + maxOutboundStreams);
        }
        if (maxAckBacklog < 1) throw new IllegalArgumentException("maxAckBacklog must be positive: " + maxAckBacklog);
        if (maxDataFrameSize < 1 || maxDataFrameSize > YamuxFrameDecoder.DEFAULT_MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("maxDataFrameSize must be in [1, "
                    + YamuxFrameDecoder.DEFAULT_MAX_DATA_LENGTH + "]: " + maxDataFrameSize);
        }
        if (maxOutstandingPings < 1) {
            throw new IllegalArgumentException("maxOutstandingPings must be positive: " + maxOutstandingPings);
        }
    }

    /** 256 KiB windows, 256 inbound and 1024 outbound streams, ACK backlog 256, 64 KiB frames, 16 pings. */
    public static YamuxConfig defaults() {
        return new YamuxConfig(INITIAL_WINDOW, 256, 1024, 256, 64 * 1024, 16);
    }

    public YamuxConfig withReceiveWindow(int value) {
        return new YamuxConfig(value, maxInboundStreams, maxOutboundStreams, maxAckBacklog, maxDataFrameSize,
                maxOutstandingPings);
    }

    public YamuxConfig withMaxInboundStreams(int value) {
        return new YamuxConfig(receiveWindow, value, maxOutboundStreams, maxAckBacklog, maxDataFrameSize,
                maxOutstandingPings);
    }

    public YamuxConfig withMaxOutboundStreams(int value) {
        return new YamuxConfig(receiveWindow, maxInboundStreams, value, maxAckBacklog, maxDataFrameSize,
                maxOutstandingPings);
    }

    public YamuxConfig withMaxAckBacklog(int value) {
        return new YamuxConfig(receiveWindow, maxInboundStreams, maxOutboundStreams, value, maxDataFrameSize,
                maxOutstandingPings);
    }

    public YamuxConfig withMaxDataFrameSize(int value) {
        return new YamuxConfig(receiveWindow, maxInboundStreams, maxOutboundStreams, maxAckBacklog, value,
                maxOutstandingPings);
    }

    public YamuxConfig withMaxOutstandingPings(int value) {
        return new YamuxConfig(receiveWindow, maxInboundStreams, maxOutboundStreams, maxAckBacklog,
                maxDataFrameSize, value);
    }
}
