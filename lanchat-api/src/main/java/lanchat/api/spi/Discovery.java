package lanchat.api.spi;

import java.util.List;
import java.util.function.Consumer;

import lanchat.api.Multiaddr;

/**
 * Advertises this node in a room and reports the other members. Discovery never dials: it only tells
 * (like go-libp2p's {@code Notifee}); what is found is a hint that the transport handshake must confirm.
 */
public interface Discovery extends AutoCloseable {
    /** Starts advertising {@code addresses} (each ending in {@code /p2p/<self>}) and browsing. */
    void start(List<Multiaddr> addresses, Consumer<DiscoveryEvent> listener);

    /** Stops, sending goodbyes so others forget us at once. Idempotent. */
    @Override
    void close();
}
