package lanchat.transport.libp2p.yamux;

import java.util.Optional;

/**
 * What a {@link YamuxSession} asks before it holds a new stream: the stream may make us buffer up to its receive
 * window, so that much is reserved first (the transport backs this with its resource manager, as go-libp2p reserves
 * 256 KiB per stream from its rcmgr). A refused inbound stream is answered with RST; a refused outbound one fails
 * {@link YamuxSession#openStream}.
 */
@FunctionalInterface
public interface StreamBudget {
    /** Holds nothing back: for tests and tools that bound nothing. */
    StreamBudget UNLIMITED = (inbound, bytes) -> Optional.of(() -> { });

    /**
     * Reserves {@code bytes} for one new stream.
     *
     * @return what gives the reservation back when the stream is gone (called once), or empty when refused
     */
    Optional<Runnable> reserve(boolean inbound, long bytes);
}
