package lanchat.discovery.mdns;

import static lanchat.discovery.mdns.Fixtures.ip;
import static lanchat.discovery.mdns.Fixtures.nif;
import static lanchat.discovery.mdns.Fixtures.peer;
import static lanchat.discovery.mdns.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.api.spi.DiscoveryEvent.PeerFound;
import lanchat.api.spi.DiscoveryEvent.PeerLost;
import lanchat.discovery.mdns.MdnsMessages.Layout;

/**
 * Real go-libp2p datagrams (captured from interop/go-peer in a network namespace, see the resource file): we read
 * them as go means them, and what we send has go's layout record for record.
 */
class GoWireTest {
    static final String ROOM = "lc-room-4e5f91-go";
    static final PeerId GO = PeerId.parse("12D3KooWCongtuq1yvovMBHErNpiVo7KuawAQPqBEMBPUSCYddBT");
    static final Multiaddr GO_ADDR = Multiaddr.parse("/ip4/10.77.101.1/tcp/35311/p2p/" + GO);
    final List<byte[]> packets = load();
    final MdnsCodec codec = new MdnsCodec();

    @AfterEach
    void close() {
        codec.close();
    }

    static List<byte[]> load() {
        try (InputStream in = GoWireTest.class.getResourceAsStream("/go-libp2p-mdns-packets.txt")) {
            List<byte[]> out = new ArrayList<>();
            for (String l : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) if (!l.isBlank() && !l.startsWith("#")) out.add(HexFormat.of().parseHex(l.trim()));
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void goPacketsAreReadAsGoMeansThem() {
        List<DiscoveryEvent> events = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        MdnsEngine.Io io = new MdnsEngine.Io() {
            @Override
            public void multicast(NetIf nif, byte[] packet) {
                sent.add(MdnsEngineTest.kind(packet));
            }

            @Override
            public void unicast(InetSocketAddress to, byte[] packet) {
                sent.add("unicast");
            }

            @Override
            public void schedule(Runnable task, long delayMs) {}
        };
        MdnsEngine e = new MdnsEngine(ServiceNames.withLabel(ROOM, "ourlabel0123456789012345678901234"), peer(1), MdnsOptions.parse(Map.of()), io, events::add, () -> 5000, new Random(1));
        e.setListenAddresses(List.of(tcp("10.77.101.2", 4002, peer(1))));
        e.interfaces(List.of(nif("veth", 2, "10.77.101.2/24")), Set.of(ip("10.77.101.2")));
        sent.clear();
        InetSocketAddress go = new InetSocketAddress(ip("10.77.101.1"), 5353);
        byte[] browse = packets.get(0), probe = packets.get(1), announce = packets.get(2), goodbye = packets.get(3);

        e.onPacket(browse, 0, browse.length, go);
        assertEquals(List.of(new PeerFound(GO, List.of(GO_ADDR))), events);
        e.onPacket(probe, 0, probe.length, go); // a query for go's own instance name: nothing to answer or learn
        e.onPacket(announce, 0, announce.length, go);
        assertEquals(1, events.size());
        assertEquals(List.of(), sent);
        e.onPacket(goodbye, 0, goodbye.length, go);
        assertEquals(List.of(new PeerFound(GO, List.of(GO_ADDR)), new PeerLost(GO)), events);
        assertEquals(0, e.malformed());
        e.goodbye();
    }

    record Shape(String section, String type, long ttl, int dnsClass) {}

    static List<Shape> shape(byte[] b) {
        return Dig.parse(b).lines().stream().map(l -> new Shape(l.section(), l.type(), l.ttl(), l.dnsClass())).toList();
    }

    @Test
    void ourMessagesHaveGosLayout() {
        MdnsMessages ours = new MdnsMessages(ServiceNames.withLabel(ROOM, "ourlabel0123456789012345678901234"), codec);
        List<Multiaddr> one = List.of(tcp("10.77.101.2", 4002, peer(1)));
        assertEquals(shape(packets.get(0)), shape(ours.response(Layout.BROWSE, one, 1452, null, 0).orElseThrow()));
        List<Shape> goAnnounce = new ArrayList<>(shape(packets.get(2)));
        goAnnounce.add(2, goAnnounce.remove(3)); // we put the _services PTR first, for js-libp2p (see MdnsMessages)
        assertEquals(goAnnounce, shape(ours.response(Layout.ANNOUNCE, one, 1452, null, 0).orElseThrow()));
        List<Shape> goBye = new ArrayList<>(shape(packets.get(3)));
        assertTrue(Dig.parse(packets.get(3)).lines().get(3).name().equals(ServiceNames.META));
        goBye.remove(3); // go also withdraws the shared _services PTR; we leave it to the room's other members
        assertEquals(goBye, shape(ours.response(Layout.GOODBYE, one, 1452, null, 0).orElseThrow()));
        // names and values, not only shapes
        String goText = Dig.parse(packets.get(0)).render();
        assertTrue(goText.contains("ADDITIONAL") && goText.contains(" SRV   0 0 4001 ") && goText.contains(".local.") && goText.contains("\"dnsaddr=" + GO_ADDR + "\""), goText);
    }
}
