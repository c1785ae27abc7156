package lanchat.app.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.api.spi.DiscoveryEvent.PeerFound;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.Transport;
import org.junit.jupiter.api.Test;

/** Which of a node's transports dials a discovered address (issue 14: one room across both transports, by mDNS). */
class NodeTransportsTest {
    private final PeerId peer = Identity.generate().peerId();
    private final Multiaddr at9000 = Multiaddr.parse("/ip4/10.0.0.2/tcp/9000/p2p/" + peer);
    private final Multiaddr at9001 = Multiaddr.parse("/ip4/10.0.0.2/tcp/9001/p2p/" + peer);

    /** A transport that only records which addresses it was asked to dial (the dial itself never completes). */
    static final class Recording implements Transport {
        final String name;
        final List<Multiaddr> dialed = new ArrayList<>();

        Recording(String name) { this.name = name; }

        @Override public String name() { return name; }
        @Override public boolean canDial(Multiaddr address) { return address.isPlainTcp(); }
        @Override public void registerProtocol(ProtocolHandler handler) {}
        @Override public void onInbound(Consumer<ChatSession> handler) {}
        @Override public CompletionStage<List<Multiaddr>> listen(Multiaddr bind) { return new CompletableFuture<>(); }
        @Override public CompletionStage<ChatSession> dial(Multiaddr address) {
            dialed.add(address);
            return new CompletableFuture<>();
        }
        @Override public void close() {}
    }

    private Map<String, List<Multiaddr>> both() {
        Map<String, List<Multiaddr>> m = new LinkedHashMap<>();
        m.put("netty", List.of(at9001));
        m.put("libp2p", List.of(at9000));
        return m;
    }

    @Test
    void aPeerThatSaidWhichTransportListensWhereIsDialedWithOurFirstTransportItRunsOnThatTransportsPort() {
        Recording libp2p = new Recording("libp2p"), netty = new Recording("netty");
        NodeTransports node = new NodeTransports(List.of(libp2p, netty));
        PeerFound found = (PeerFound) node.discovered(new PeerFound(peer, List.of(at9001), both()));
        assertEquals(List.of(at9000), found.addresses(), "our first transport, libp2p, which the peer also runs");
        node.dial(at9000);
        assertEquals(List.of(at9000), libp2p.dialed);

        Recording nettyOnly = new Recording("netty");
        NodeTransports other = new NodeTransports(List.of(nettyOnly, new Recording("libp2p")));
        assertEquals(List.of(at9001), ((PeerFound) other.discovered(new PeerFound(peer, List.of(at9001), both()))).addresses());
    }

    @Test
    void aDiscoveredAddressOfOurSecondTransportIsDialedWithIt() {
        Recording libp2p = new Recording("libp2p"), netty = new Recording("netty");
        NodeTransports node = new NodeTransports(List.of(libp2p, netty));
        PeerFound found = (PeerFound) node.discovered(new PeerFound(peer, List.of(at9001), Map.of("netty", List.of(at9001))));
        assertEquals(List.of(at9001), found.addresses());
        assertTrue(node.canDial(at9001));
        node.dial(at9001);
        assertEquals(List.of(at9001), netty.dialed, "a netty-only member is dialed with our netty transport");
        assertEquals(List.of(), libp2p.dialed);

        node.discovered(new DiscoveryEvent.PeerLost(peer));
        node.dial(at9001);
        assertEquals(List.of(at9001), libp2p.dialed, "forgotten with the peer: back to the first transport");
    }

    @Test
    void aPeerOnNoTransportOfOursIsReportedWithNothingToDial() {
        Recording libp2p = new Recording("libp2p");
        NodeTransports node = new NodeTransports(List.of(libp2p));
        PeerFound found = (PeerFound) node.discovered(new PeerFound(peer, List.of(at9001), Map.of("netty", List.of(at9001))));
        assertEquals(List.of(), found.addresses(), "never dialed with a transport it does not speak");
        assertEquals(Map.of("netty", List.of(at9001)), found.byTransport(), "kept, for the 'skipping' line");
    }

    @Test
    void aPeerThatDidNotSayIsDialedWithTheFirstTransportAsBefore() {
        Recording libp2p = new Recording("libp2p"), netty = new Recording("netty");
        NodeTransports node = new NodeTransports(List.of(libp2p, netty));
        PeerFound plain = new PeerFound(peer, List.of(at9000));
        assertEquals(plain, node.discovered(plain));
        node.dial(at9000);
        assertEquals(List.of(at9000), libp2p.dialed);
    }
}
