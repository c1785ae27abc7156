package lanchat.transport.netty;

import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import lanchat.api.spi.TransportProvider;

/** Registers the {@code netty} transport with {@link java.util.ServiceLoader}. */
public final class NettyTransportProvider implements TransportProvider {
    public static final String NAME = "netty";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "LAN Chat's own light protocol: Noise XX encrypted TCP with length-prefixed frames";
    }

    @Override
    public Transport create(TransportConfig config) {
        return new NettyTransport(config);
    }
}
