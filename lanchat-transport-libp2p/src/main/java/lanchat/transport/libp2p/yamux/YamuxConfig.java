package lanchat.transport.libp2p.yamux;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits and sizes of a {@link YamuxSession}; the package documentation lists every bound and why it is there.
 *
 * @param receiveWindow the window each stream grants the peer; the spec's initial 256 KiB, or more (the extra
 *     is announced in the SYN or ACK frame), at most {@link YamuxFrameDecoder#DEFAULT_MAX_DATA_LENGTH}
 * @param maxReceiveWindow how far a stream's window may grow while the peer sends faster than the window lets it
 *     (doubled at a Window Update sent less than four round trips after the previous one, as go-yamux tunes its
 *     windows, while no other stream of the connection carries data; each growth is reserved from the session's
 *     {@link StreamBudget} first); equal to {@code receiveWindow}: windows stay fixed
 * @param maxInboundStreams streams the peer may have open at once; further SYNs are answered with RST
 * @param maxOutboundStreams streams we may have open at once; {@code openStream} fails beyond it
 * @param maxAckBacklog outbound streams not yet acknowledged by the peer (the spec's ACK backlog, 256);
 *     {@code openStream} fails beyond it
 * @param maxDataFrameSize the largest Data frame we send, so that one stream cannot hog the connection
 * @param pingBacklog answers to the peer's pings that may wait to be sent; a ping arriving beyond it is not
 *     answered (go-yamux's {@code PingBacklog})
 * @param maxQueuedOutboundBytes bytes the connection may hold for a peer that does not read them (written to
 *     the connection but not yet taken by the socket); beyond it the connection is closed at once, without
 *     Go Away. Keep it above the connection's write buffer high water mark: stream data stops there by itself
 * @param goAwayGrace how long a Go Away that precedes a close may take to leave; the connection closes when
 *     it has left, or after this at the latest
 */
public record YamuxConfig(int receiveWindow, int maxReceiveWindow, int maxInboundStreams, int maxOutboundStreams, int maxAckBacklog,
                          int maxDataFrameSize, int pingBacklog, long maxQueuedOutboundBytes,
                          Duration goAwayGrace) {
    /** Both sides assume this window for a new stream (spec: "256KB"). */
    public static final int INITIAL_WINDOW = 256 * 1024;
    /**
     * How far windows grow by default: 4 MiB, the resource manager's default {@code stream.memory} (go-libp2p allows
     * 16 MiB). Over 127.0.0.1, LAN Chat to LAN Chat on TLS, a stream moved 460 MB/s with fixed 256 KiB windows, about
     * 560–610 MB/s with fixed 1 or 4 MiB ones (2 GiB transfers) and 780 against 560 MB/s with 4 MiB against 256 KiB
     * once the JIT had settled (8 GiB): neither end's CPU was full with 256 KiB, the sender waited for credit.
     */
    public static final int MAX_WINDOW = 4 * 1024 * 1024;

    public YamuxConfig {
        if (receiveWindow < INITIAL_WINDOW || receiveWindow > YamuxFrameDecoder.DEFAULT_MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("receiveWindow must be in [" + INITIAL_WINDOW + ", "
                    + YamuxFrameDecoder.DEFAULT_MAX_DATA_LENGTH + "]: " + receiveWindow);
        }
        if (maxReceiveWindow < receiveWindow) {
            throw new IllegalArgumentException("maxReceiveWindow must be at least receiveWindow (" + receiveWindow + "): " + maxReceiveWindow);
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
        if (pingBacklog < 1) throw new IllegalArgumentException("pingBacklog must be positive: " + pingBacklog);
        if (maxQueuedOutboundBytes < 1) {
            throw new IllegalArgumentException("maxQueuedOutboundBytes must be positive: " + maxQueuedOutboundBytes);
        }
        Objects.requireNonNull(goAwayGrace, "goAwayGrace");
        if (goAwayGrace.isNegative()) throw new IllegalArgumentException("goAwayGrace must not be negative: " + goAwayGrace);
    }

    /**
     * 256 KiB windows growing to 4 MiB, 256 inbound and 1024 outbound streams, ACK backlog 256, 64 KiB frames,
     * 32 ping answers, 8 MiB queued for a peer that does not read, 1 s for a closing Go Away.
     */
    public static YamuxConfig defaults() {
        return new YamuxConfig(INITIAL_WINDOW, MAX_WINDOW, 256, 1024, 256, 64 * 1024, 32, 8L * 1024 * 1024, Duration.ofSeconds(1));
    }

    /** Also raises {@link #maxReceiveWindow()} to {@code value} when it was lower. */
    public YamuxConfig withReceiveWindow(int value) {
        return new YamuxConfig(value, Math.max(value, maxReceiveWindow), maxInboundStreams, maxOutboundStreams,
                maxAckBacklog, maxDataFrameSize, pingBacklog, maxQueuedOutboundBytes, goAwayGrace);
    }

    public YamuxConfig withMaxReceiveWindow(int value) {
        return new YamuxConfig(receiveWindow, value, maxInboundStreams, maxOutboundStreams, maxAckBacklog,
                maxDataFrameSize, pingBacklog, maxQueuedOutboundBytes, goAwayGrace);
    }

    public YamuxConfig withMaxInboundStreams(int value) {
        return new YamuxConfig(receiveWindow, maxReceiveWindow, value, maxOutboundStreams, maxAckBacklog, maxDataFrameSize,
                pingBacklog, maxQueuedOutboundBytes, goAwayGrace);
    }

    public YamuxConfig withMaxOutboundStreams(int value) {
        return new YamuxConfig(receiveWindow, maxReceiveWindow, maxInboundStreams, value, maxAckBacklog, maxDataFrameSize,
                pingBacklog, maxQueuedOutboundBytes, goAwayGrace);
    }

    public YamuxConfig withMaxAckBacklog(int value) {
        return new YamuxConfig(receiveWindow, maxReceiveWindow, maxInboundStreams, maxOutboundStreams, value, maxDataFrameSize,
                pingBacklog, maxQueuedOutboundBytes, goAwayGrace);
    }

    public YamuxConfig withMaxDataFrameSize(int value) {
        return new YamuxConfig(receiveWindow, maxReceiveWindow, maxInboundStreams, maxOutboundStreams, maxAckBacklog, value,
                pingBacklog, maxQueuedOutboundBytes, goAwayGrace);
    }

    public YamuxConfig withPingBacklog(int value) {
        return new YamuxConfig(receiveWindow, maxReceiveWindow, maxInboundStreams, maxOutboundStreams, maxAckBacklog,
                maxDataFrameSize, value, maxQueuedOutboundBytes, goAwayGrace);
    }

    public YamuxConfig withMaxQueuedOutboundBytes(long value) {
        return new YamuxConfig(receiveWindow, maxReceiveWindow, maxInboundStreams, maxOutboundStreams, maxAckBacklog,
                maxDataFrameSize, pingBacklog, value, goAwayGrace);
    }

    public YamuxConfig withGoAwayGrace(Duration value) {
        return new YamuxConfig(receiveWindow, maxReceiveWindow, maxInboundStreams, maxOutboundStreams, maxAckBacklog,
                maxDataFrameSize, pingBacklog, maxQueuedOutboundBytes, value);
    }
}
