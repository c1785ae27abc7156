package lanchat.app.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import org.junit.jupiter.api.Test;

class TransportAddressTest {
    private final String id = Identity.generate().peerId().toString();

    @Test
    void anUntaggedMultiaddrIsForTheFirstTransport() {
        TransportAddress a = TransportAddress.parse("/ip4/10.0.0.2/tcp/4001/p2p/" + id);
        assertEquals(Optional.empty(), a.transport());
        assertEquals(Multiaddr.parse("/ip4/10.0.0.2/tcp/4001/p2p/" + id), a.address());
        assertEquals("/ip4/10.0.0.2/tcp/4001/p2p/" + id, a.toString());
    }

    @Test
    void aTagNamesTheTransportAndPrintsBackAsItWasWritten() {
        String text = "netty:/ip4/10.0.0.2/tcp/4002/p2p/" + id;
        TransportAddress a = TransportAddress.parse(text);
        assertEquals(Optional.of("netty"), a.transport());
        assertEquals(Multiaddr.parse("/ip4/10.0.0.2/tcp/4002/p2p/" + id), a.address());
        assertEquals(text, a.toString());
        assertEquals(a, TransportAddress.parse(a.toString()));
        assertEquals(Optional.of("libp2p"), TransportAddress.parse("libp2p:/ip4/127.0.0.1/tcp/1").transport());
    }

    @Test
    void whatIsNeitherIsRefusedInOneLineNamingIt() {
        for (String bad : new String[] {"127.0.0.1:9000", "netty:", "netty:ip4/1.2.3.4/tcp/1", ":/ip4/1.2.3.4/tcp/1", "Netty:/ip4/1.2.3.4/tcp/1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransportAddress.parse(bad), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> TransportAddress.parse("netty:/ip4/1.2.3/tcp/1"));
    }
}
