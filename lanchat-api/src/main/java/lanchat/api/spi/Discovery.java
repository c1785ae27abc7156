package lanchat.api.spi;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import lanchat.api.Multiaddr;

/**
 * Advertises this node in a room and reports the other members. Discovery never dials: it only tells
 * (like go-libp2p's {@code Notifee}); what is found is a hint that the transport handshake must confirm.
 */
public interface Discovery extends AutoCloseable {
    /** Starts advertising {@code addresses} (each ending in {@code /p2p/<self>}) and browsing. */
    void start(List<Multiaddr> addresses, Consumer<DiscoveryEvent> listener);

    /**
     * {@link #start(List, Consumer)} for a node that also says which transport listens on which TCP port:
     * {@code transportPorts} maps each of its transports' names to its port, in the node's order (the first is the one
     * {@code addresses} are for; the others listen on the same IPs). Two transports that both speak TCP cannot be told
     * apart by a multiaddr, so a discovery that can carry this lets LAN Chat peers dial each transport with the right
     * one ({@link DiscoveryEvent.PeerFound#byTransport()}). By default it is not carried.
     */
    default void start(List<Multiaddr> addresses, Map<String, Integer> transportPorts, Consumer<DiscoveryEvent> listener) {
        start(addresses, listener);
    }

    /**
     * The rendezvous (service) names this discovery heard on the LAN in the last minute, from every packet it read
     * (queries and answers of other hosts), newest last: for the network doctor ("which rooms are in use here?").
     * Names only, bounded by the implementation; empty when it keeps no such record. Any thread.
     */
    default List<String> recentlyHeard() {
        return List.of();
    }

    /** Stops, sending goodbyes so others forget us at once. Idempotent. */
    @Override
    void close();
}
