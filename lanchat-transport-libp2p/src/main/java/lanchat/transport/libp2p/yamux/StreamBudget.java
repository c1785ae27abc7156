package lanchat.transport.libp2p.yamux;

import java.util.Optional;

/**
 * What a {@link YamuxSession} asks before it holds a new stream: the stream may make us buffer up to its receive
 * window, so that much is reserved first (the transport backs this with its resource manager, as go-libp2p reserves
 * 256 KiB per stream from its rcmgr). A refused inbound stream is answered with RST; a refused outbound one fails
 * {@link YamuxSession#openStream}. A stream whose window grows (see {@link YamuxConfig#maxReceiveWindow()}) asks its
 * reservation for the difference first.
 */
@FunctionalInterface
public interface StreamBudget {
    /** Holds nothing back: for tests and tools that bound nothing. */
    StreamBudget UNLIMITED = (inbound, bytes) -> Optional.of(Reservation.UNLIMITED);

    /**
     * Reserves {@code bytes} for one new stream.
     *
     * @return the stream's reservation, or empty when refused
     */
    Optional<Reservation> reserve(boolean inbound, long bytes);

    /** What one stream holds. */
    interface Reservation {
        /** Grants every growth and holds nothing. */
        Reservation UNLIMITED = new Reservation() {
            @Override
            public boolean grow(long bytes) {
                return true;
            }

            @Override
            public void release() {}
        };

        /**
         * Reserves {@code bytes} more for a larger window: granted only from memory that nothing else is likely to
         * need (the transport's resource manager keeps such growth below half of every shared limit), since a larger
         * window makes a stream faster but is not needed to run it.
         *
         * @return false when refused: the window stays as it is
         */
        boolean grow(long bytes);

        /** Gives back everything, once, when the stream is gone. */
        void release();
    }
}
