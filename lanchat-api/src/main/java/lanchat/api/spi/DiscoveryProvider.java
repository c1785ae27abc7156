package lanchat.api.spi;

/** A discovery plugin, found with {@link java.util.ServiceLoader}; see {@link TransportProvider}. */
public interface DiscoveryProvider {
    /** e.g. {@code mdns} */
    String name();

    Discovery create(DiscoveryConfig config);
}
