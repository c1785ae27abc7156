package lanchat.api.spi;

/**
 * A transport plugin, found with {@link java.util.ServiceLoader}. Cheap to instantiate: all work happens in
 * {@link #create}. Plugins register with {@code provides lanchat.api.spi.TransportProvider with …}.
 */
public interface TransportProvider {
    /** The name users pass to {@code --transport}, e.g. {@code libp2p} or {@code netty}. */
    String name();

    /** One line for {@code --help}. */
    String description();

    Transport create(TransportConfig config);
}
