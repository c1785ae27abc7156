package lanchat.app.cli;

import java.util.Iterator;

import lanchat.api.spi.Plugins;
import lanchat.api.spi.TransportProvider;

/** The installed transports' names, for {@code --help} and shell completion. */
public final class TransportNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return Plugins.installed().transports().stream().map(TransportProvider::name).sorted().iterator();
    }
}
