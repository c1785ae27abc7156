package lanchat.app.node;

import java.util.Optional;

import lanchat.api.Multiaddr;

/**
 * A peer address as users write it with {@code --peer}, and as a node with several transports prints the addresses of
 * all but its first: {@code [TRANSPORT:]MULTIADDR}, e.g. {@code netty:/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW…}. Both
 * transports speak TCP, so the multiaddr alone cannot say which one a peer listens with there; the tag does. Untagged,
 * the node's first transport dials it (so every address printed by a one-transport node keeps working as it is).
 */
public record TransportAddress(Optional<String> transport, Multiaddr address) {
    public TransportAddress {
        if (transport == null || address == null) throw new IllegalArgumentException("transport and address are required");
    }

    public static TransportAddress untagged(Multiaddr address) {
        return new TransportAddress(Optional.empty(), address);
    }

    public static TransportAddress tagged(String transport, Multiaddr address) {
        return new TransportAddress(Optional.of(transport), address);
    }

    /**
     * Parses {@code [TRANSPORT:]MULTIADDR}: a multiaddr starts with {@code /}, so anything before the first {@code :}
     * of a text that does not is the transport's name.
     *
     * @throws IllegalArgumentException for a bad multiaddr or an empty tag
     */
    public static TransportAddress parse(String text) {
        if (text == null) throw new IllegalArgumentException("no address");
        int colon = text.indexOf(':');
        if (text.startsWith("/") || colon < 0) return untagged(Multiaddr.parse(text));
        String tag = text.substring(0, colon);
        String rest = text.substring(colon + 1);
        if (tag.isEmpty() || !rest.startsWith("/") || !tag.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
            throw new IllegalArgumentException("'" + text + "' is neither a multiaddr (/ip4/…) nor TRANSPORT:multiaddr (netty:/ip4/…)");
        }
        return tagged(tag, Multiaddr.parse(rest));
    }

    @Override
    public String toString() {
        return transport.map(t -> t + ":").orElse("") + address;
    }
}
