package lanchat.transport.libp2p;

import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import lanchat.api.spi.TransportProvider;

/** Registers the {@code libp2p} transport with {@link java.util.ServiceLoader}. */
public final class Libp2pTransportProvider implements TransportProvider {
    public static final String NAME = "libp2p";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "libp2p over TCP (multistream-select, Noise, Yamux, /chat/1.1.0): talks to go-libp2p and js-libp2p peers";
    }

    @Override
    public Transport create(TransportConfig config) {
        return new Libp2pTransport(config);
    }
}
