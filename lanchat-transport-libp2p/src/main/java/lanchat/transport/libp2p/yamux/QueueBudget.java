package lanchat.transport.libp2p.yamux;

/**
 * Where a {@link YamuxSession} accounts the bytes it queued for a peer that has not read them yet (issue 13: twelve
 * connections of peers that never read, each within its own {@link YamuxConfig#maxQueuedOutboundBytes()}, held
 * more direct memory together than the whole node may). The session reserves what is queued beyond
 * {@link YamuxSession#FREE_QUEUE} in steps of {@link YamuxSession#QUEUE_STEP} and gives it back as the queue drains;
 * a refused reservation closes the connection at once, as an overfull queue does. The transport backs it with the
 * connection's account in its resource manager (the peer's and the node's memory).
 */
public interface QueueBudget {
    /** Accounts nothing: for tests and tools that bound nothing. */
    QueueBudget UNLIMITED = new QueueBudget() {
        @Override
        public boolean reserve(long bytes) {
            return true;
        }

        @Override
        public void release(long bytes) {}
    };

    /** Reserves {@code bytes} more; false when refused. */
    boolean reserve(long bytes);

    /** Gives back {@code bytes} of what {@link #reserve} took. */
    void release(long bytes);
}
