package lanchat.discovery.mdns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

class MdnsOptionsTest {
    @Test
    void defaults() {
        MdnsOptions o = MdnsOptions.defaults();
        assertEquals(Optional.empty(), o.interfaces());
        assertTrue(o.ipv6());
        assertEquals(10_000, o.queryIntervalMs());
        assertEquals(2, o.missLimit());
        assertEquals(3_000, o.interfacePollMs());
        assertEquals(256, o.maxPeers());
    }

    @Test
    void parsesAndIgnoresOtherPluginsKeys() {
        MdnsOptions o = MdnsOptions.parse(Map.of("mdnsInterfaces", " eth1, lo ,", "mdnsQueryIntervalMs", "2000", "mdnsIpv6", "false", "somethingElse", "x"));
        assertEquals(Optional.of(Set.of("eth1", "lo")), o.interfaces());
        assertEquals(2000, o.queryIntervalMs());
        assertFalse(o.ipv6());
    }

    @Test
    void badValuesSayWhich() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MdnsOptions.parse(Map.of("mdnsQueryIntervalMs", "10"))).getMessage().contains("mdnsQueryIntervalMs"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MdnsOptions.parse(Map.of("mdnsMaxPeers", "lots"))).getMessage().contains("mdnsMaxPeers"));
        assertThrows(IllegalArgumentException.class, () -> MdnsOptions.parse(Map.of("mdnsInterfaces", " , ")));
        assertThrows(IllegalArgumentException.class, () -> MdnsOptions.parse(Map.of("mdnsIpv6", "yes")));
    }
}
