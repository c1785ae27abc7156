package lanchat.api.spi;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class PluginsTest {
    @Test
    void unknownTransportNamesWhatIsInstalled() {
        Plugins plugins = Plugins.installed();
        String installed = plugins.transports().stream().map(TransportProvider::name).sorted().collect(Collectors.joining(", "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plugins.transport("no-such-transport"));
        assertTrue(e.getMessage().startsWith("unknown transport 'no-such-transport'; installed: " + (installed.isEmpty() ? "none" : installed)), e.getMessage());
    }

    @Test
    void unknownDiscoveryNamesWhatIsInstalled() {
        Plugins plugins = Plugins.installed();
        String installed = plugins.discoveries().stream().map(DiscoveryProvider::name).sorted().collect(Collectors.joining(", "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plugins.discovery("no-such-discovery"));
        assertTrue(e.getMessage().startsWith("unknown discovery 'no-such-discovery'; installed: " + (installed.isEmpty() ? "none" : installed)), e.getMessage());
    }
}
