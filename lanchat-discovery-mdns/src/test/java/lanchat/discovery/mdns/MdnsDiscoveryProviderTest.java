package lanchat.discovery.mdns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import lanchat.api.spi.Discovery;
import lanchat.api.spi.DiscoveryConfig;
import lanchat.api.spi.DiscoveryProvider;
import lanchat.api.spi.Plugins;

/** Found by name through ServiceLoader; create() is cheap and opens no socket; bad settings fail early. */
class MdnsDiscoveryProviderTest {
    @Test
    void foundAsMdns() {
        DiscoveryProvider p = Plugins.installed().discovery("mdns");
        assertEquals("mdns", p.name());
        assertTrue(p instanceof MdnsDiscoveryProvider);
    }

    @Test
    void createValidatesButOpensNothingAndCloseBeforeStartIsFine() {
        DiscoveryProvider p = new MdnsDiscoveryProvider();
        Discovery d = p.create(new DiscoveryConfig(Fixtures.peer(1), "myroom", Runnable::run, Map.of()));
        d.close();
        d.close();
        assertThrows(IllegalStateException.class, () -> d.start(List.of(), e -> {}));
        assertThrows(IllegalArgumentException.class, () -> p.create(new DiscoveryConfig(Fixtures.peer(1), "my room", Runnable::run, Map.of())));
        assertThrows(IllegalArgumentException.class, () -> p.create(new DiscoveryConfig(Fixtures.peer(1), "r", Runnable::run, Map.of("mdnsMaxPeers", "0"))));
    }
}
