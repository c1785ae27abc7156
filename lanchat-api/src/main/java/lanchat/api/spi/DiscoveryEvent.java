package lanchat.api.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;

/** What discovery reports. */
public sealed interface DiscoveryEvent {
    PeerId peer();

    /**
     * A member of the room, with the addresses it advertises (each for {@code peer}).
     *
     * @param byTransport for a LAN Chat member that said which of its transports listens where
     *                    ({@link Discovery#start(List, Map, java.util.function.Consumer)}): transport name → its
     *                    addresses, in the member's order of preference. Empty for peers that did not say (go-libp2p,
     *                    js-libp2p, older LAN Chat nodes): their {@code addresses} speak whatever they speak.
     */
    record PeerFound(PeerId peer, List<Multiaddr> addresses, Map<String, List<Multiaddr>> byTransport) implements DiscoveryEvent {
        public PeerFound {
            addresses = List.copyOf(addresses);
            Map<String, List<Multiaddr>> copy = new LinkedHashMap<>();
            byTransport.forEach((name, list) -> copy.put(name, List.copyOf(list)));
            byTransport = java.util.Collections.unmodifiableMap(copy);
        }

        /** A peer that did not say which transport listens where. */
        public PeerFound(PeerId peer, List<Multiaddr> addresses) {
            this(peer, addresses, Map.of());
        }
    }

    /** A member left (goodbye) or its records expired. */
    record PeerLost(PeerId peer) implements DiscoveryEvent {}
}
