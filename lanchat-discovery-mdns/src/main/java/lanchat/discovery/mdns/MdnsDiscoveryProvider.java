package lanchat.discovery.mdns;

import lanchat.api.spi.Discovery;
import lanchat.api.spi.DiscoveryConfig;
import lanchat.api.spi.DiscoveryProvider;

/** The {@code mdns} discovery: rooms on the local network, compatible with go-libp2p's mDNS. */
public final class MdnsDiscoveryProvider implements DiscoveryProvider {
    @Override
    public String name() {
        return "mdns";
    }

    /** @throws IllegalArgumentException for a room no go-libp2p peer could share, or a bad {@code mdns*} option */
    @Override
    public Discovery create(DiscoveryConfig config) {
        return new MdnsDiscovery(config);
    }
}
