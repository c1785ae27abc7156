package lanchat.api.spi;

import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds plugins with {@link ServiceLoader}: the one place that does. Providers are matched by {@code name()},
 * never by class name, so the app needs no compile-time knowledge of any plugin.
 */
public final class Plugins {
    private Plugins() {}

    /** Plugins visible to this module: the boot layer under {@code java -p mods}, or the class path in tests. */
    public static Plugins installed() {
        return new Plugins();
    }

    public List<TransportProvider> transports() {
        return load(TransportProvider.class);
    }

    public List<DiscoveryProvider> discoveries() {
        return load(DiscoveryProvider.class);
    }

    public List<lanchat.api.ui.FrontendProvider> frontends() {
        return load(lanchat.api.ui.FrontendProvider.class);
    }

    public List<DiscoveryProbe> discoveryProbes() {
        return load(DiscoveryProbe.class);
    }

    /** @throws IllegalArgumentException listing what is installed when {@code name} is not */
    public lanchat.api.ui.FrontendProvider frontend(String name) {
        return byName(frontends(), lanchat.api.ui.FrontendProvider::name, name, "front end");
    }

    /** @throws IllegalArgumentException listing what is installed when {@code name} is not */
    public TransportProvider transport(String name) {
        return byName(transports(), TransportProvider::name, name, "transport");
    }

    public DiscoveryProvider discovery(String name) {
        return byName(discoveries(), DiscoveryProvider::name, name, "discovery");
    }

    private <T> List<T> load(Class<T> type) {
        return ServiceLoader.load(type, Plugins.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).collect(Collectors.toList());
    }

    private static <T> T byName(List<T> all, Function<T, String> nameOf, String name, String kind) {
        for (T p : all) if (nameOf.apply(p).equals(name)) return p;
        String installed = all.stream().map(nameOf).sorted().collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown " + kind + " '" + name + "'; installed: " + (installed.isEmpty() ? "none" : installed));
    }
}
