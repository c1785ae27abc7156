package lanchat.discovery.mdns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import lanchat.api.spi.DiscoveryProbe;
import lanchat.api.ui.DoctorReport;

/**
 * The network doctor's mDNS probe (IPv4): one socket on UDP 5353 ({@code SO_REUSEADDR}, beside a running node's own),
 * joined to 224.0.0.251 on every up, multicast-capable interface. On each it sends a PTR query for a name of its own
 * ({@code _lanchat-doctor-<random>.local.}, which nobody answers) and listens: the kernel loops our own multicast back
 * to us unless something drops it on the way out (a firewall rule on 224.0.0.251 / UDP 5353, a driver), so a query
 * that comes back proves the path out of this host is open. Everything else heard is passive listening: the service
 * names of PTR questions and answers are the rooms in use on the LAN (names only; nothing is stored).
 *
 * <p>Bounded: listens at most 10 s, reads at most {@link #MAX_PACKETS} datagrams of at most
 * {@link MdnsCodec#MAX_PACKET} bytes, keeps at most {@link #MAX_ROOMS} names per interface.
 */
public final class MdnsProbe implements DiscoveryProbe {
    static final int MAX_PACKETS = 2000, MAX_ROOMS = 32;
    private static final InetAddress GROUP = groupAddress();

    @Override
    public String name() {
        return "mdns";
    }

    @Override
    public List<DoctorReport.Interface> probe(Duration listenFor) throws IOException {
        long listenMs = Math.max(200, Math.min(10_000, listenFor.toMillis()));
        List<NetIf> all = NetIf.snapshot();
        List<NetIf> probed = new ArrayList<>();
        for (NetIf n : all) if (n.up() && n.multicast() && !n.loopback() && n.hasIpv4()) probed.add(n);
        Map<String, Boolean> cameBack = new HashMap<>();
        Map<String, Set<String>> rooms = new HashMap<>();
        for (NetIf n : probed) {
            cameBack.put(n.key(), false);
            rooms.put(n.key(), new LinkedHashSet<>());
        }
        if (!probed.isEmpty()) listen(probed, listenMs, cameBack, rooms);
        List<DoctorReport.Interface> out = new ArrayList<>();
        for (NetIf n : all) {
            List<String> addrs = n.addresses().stream().map(a -> a.address().getHostAddress().replaceAll("%.*", "") + "/" + a.prefix()).toList();
            out.add(new DoctorReport.Interface(n.name(), addrs, n.up(), n.loopback(), n.multicast(), cameBack.get(n.key()),
                    List.copyOf(rooms.getOrDefault(n.key(), Set.of()))));
        }
        return out;
    }

    private static void listen(List<NetIf> probed, long listenMs, Map<String, Boolean> cameBack, Map<String, Set<String>> rooms) throws IOException {
        SecureRandom random = new SecureRandom();
        String probeName = "_lanchat-doctor-" + ServiceNames.randomLabel(random).substring(0, 16) + ".local.";
        int id = random.nextInt(0x10000);
        try (MulticastSocket socket = new MulticastSocket(null); MdnsCodec codec = new MdnsCodec()) {
            socket.setReuseAddress(true);
            try {
                socket.bind(new InetSocketAddress(MdnsEngine.MDNS_PORT));
            } catch (IOException e) {
                throw new IOException("cannot listen on UDP port " + MdnsEngine.MDNS_PORT + " (mDNS): " + e.getMessage(), e);
            }
            socket.setTimeToLive(255);
            socket.setOption(java.net.StandardSocketOptions.IP_MULTICAST_LOOP, true);
            List<NetIf> joined = new ArrayList<>();
            for (NetIf n : probed) {
                try {
                    socket.joinGroup(new InetSocketAddress(GROUP, 0), NetworkInterface.getByIndex(n.index()));
                    joined.add(n);
                } catch (IOException | RuntimeException e) {
                    // not joinable (gone, or no IPv4 multicast route): its query cannot come back, which the report shows
                }
            }
            byte[] query = codec.encode(new MdnsCodec.Draft(false, id, List.of(new MdnsCodec.Question(probeName, MdnsCodec.PTR, false)), List.of(), List.of()));
            long start = System.nanoTime(), end = start + listenMs * 1_000_000;
            boolean resent = false;
            send(socket, joined, query);
            byte[] buf = new byte[MdnsCodec.MAX_PACKET];
            for (int packets = 0; packets < MAX_PACKETS; packets++) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) break;
                if (!resent && System.nanoTime() - start > (end - start) / 2) { // a second try: one datagram may be lost
                    resent = true;
                    send(socket, joined, query);
                }
                socket.setSoTimeout((int) Math.max(1, Math.min(left, 250)));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                Optional<NetIf> on = NetIf.attribute(probed, p.getAddress());
                if (on.isEmpty()) continue;
                Optional<MdnsCodec.Message> m = codec.decode(p.getData(), p.getOffset(), p.getLength());
                if (m.isEmpty()) continue;
                note(on.get(), m.get(), probeName, id, p.getAddress(), cameBack, rooms);
            }
        }
    }

    private static void send(MulticastSocket socket, List<NetIf> joined, byte[] query) {
        for (NetIf n : joined) {
            try {
                socket.setNetworkInterface(NetworkInterface.getByIndex(n.index()));
                socket.send(new DatagramPacket(query, query.length, GROUP, MdnsEngine.MDNS_PORT));
            } catch (IOException | RuntimeException e) {
                // a send refused (EPERM from a firewall rule, no route) is the same finding as a query lost
            }
        }
    }

    private static void note(NetIf on, MdnsCodec.Message m, String probeName, int id, InetAddress sender, Map<String, Boolean> cameBack,
                             Map<String, Set<String>> rooms) {
        if (!m.response() && m.id() == id && on.owns(sender) && m.questions().stream().anyMatch(q -> probeName.equals(q.name()))) {
            cameBack.put(on.key(), true);
            return;
        }
        Set<String> names = rooms.get(on.key());
        for (MdnsCodec.Question q : m.questions()) if (q.type() == MdnsCodec.PTR) addRoom(names, q.name(), probeName);
        for (MdnsCodec.Rec r : m.records()) if (r.type() == MdnsCodec.PTR) addRoom(names, r.name(), probeName);
    }

    /** {@code R.local.} → room {@code R} (go-libp2p's service name is the room); DNS-SD's meta name and ours are not rooms. */
    static void addRoom(Set<String> names, String name, String probeName) {
        if (names.size() >= MAX_ROOMS || name == null || name.equals(probeName) || name.equals(ServiceNames.META)) return;
        String suffix = "." + ServiceNames.DOMAIN;
        if (!name.endsWith(suffix) || name.length() <= suffix.length()) return;
        String room = name.substring(0, name.length() - suffix.length());
        if (room.contains(".in-addr") || room.contains(".ip6")) return;
        // any LAN host picks this name and --doctor prints it: control (ESC …) or format (bidi) characters would reach
        // the terminal, so such a name is not a room we report
        if (room.codePoints().anyMatch(MdnsProbe::unprintable)) return;
        names.add(room);
    }

    private static boolean unprintable(int c) {
        return Character.isISOControl(c) || Character.getType(c) == Character.FORMAT;
    }

    private static InetAddress groupAddress() {
        try {
            return Inet4Address.getByAddress(new byte[] {(byte) 224, 0, 0, (byte) 251});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
