package lanchat.api.spi;

import java.util.List;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;

/** What discovery reports. */
public sealed interface DiscoveryEvent {
    PeerId peer();

    /** A member of the room, with the addresses it advertises (each for {@code peer}). */
    record PeerFound(PeerId peer, List<Multiaddr> addresses) implements DiscoveryEvent {
        public PeerFound {
            addresses = List.copyOf(addresses);
        }
    }

    /** A member left (goodbye) or its records expired. */
    record PeerLost(PeerId peer) implements DiscoveryEvent {}
}
