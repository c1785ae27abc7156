package lanchat.discovery.mdns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.Inet6Address;
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
 * The network doctor's mDNS probe, IPv4 and IPv6: one socket on UDP 5353 ({@code SO_REUSEADDR}, beside a running node's
 * own), joined to 224.0.0.251 and to ff02::fb on every up, multicast-capable interface. On each, and in each family,
 * it sends a PTR query for a name of its own ({@code _lanchat-doctor-<random>.local.}, which nobody answers) and
 * listens: the kernel loops our own multicast back to us unless something drops it on the way out (a firewall rule on
 * 224.0.0.251 or ff02::fb / UDP 5353, a driver), so a query that comes back proves the path out of this host is open
 * in that family; the sender's address family says which one came back. Everything else heard is passive listening:
 * the service names of PTR questions and answers are the rooms in use on the LAN (names only; nothing is stored).
 *
 * <p>IPv6 is tried on an interface with an IPv6 address; when the socket cannot join ff02::fb there (IPv6 disabled,
 * a JVM run with {@code java.net.preferIPv4Stack}), the report says so in words instead of a yes or no.
 *
 * <p>Bounded: listens at most 10 s, reads at most {@link #MAX_PACKETS} datagrams of at most
 * {@link MdnsCodec#MAX_PACKET} bytes, keeps at most {@link #MAX_ROOMS} names per interface.
 */
public final class MdnsProbe implements DiscoveryProbe {
    static final int MAX_PACKETS = 2000, MAX_ROOMS = 32;
    private static final InetAddress GROUP = groupAddress(new byte[] {(byte) 224, 0, 0, (byte) 251});
    private static final InetAddress GROUP6 = groupAddress(new byte[] {(byte) 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xfb});

    @Override
    public String name() {
        return "mdns";
    }

    /** What the probe found on one interface. */
    private static final class Finding {
        boolean cameBack, cameBack6, joined6;
        String problem6;
        final Set<String> rooms = new LinkedHashSet<>();
    }

    @Override
    public List<DoctorReport.Interface> probe(Duration listenFor) throws IOException {
        long listenMs = Math.max(200, Math.min(10_000, listenFor.toMillis()));
        List<NetIf> all = NetIf.snapshot();
        List<NetIf> probed = new ArrayList<>();
        for (NetIf n : all) if (n.up() && n.multicast() && !n.loopback() && (n.hasIpv4() || n.hasIpv6())) probed.add(n);
        Map<String, Finding> found = new HashMap<>();
        for (NetIf n : probed) found.put(n.key(), new Finding());
        if (!probed.isEmpty()) listen(probed, listenMs, found);
        List<DoctorReport.Interface> out = new ArrayList<>();
        for (NetIf n : all) {
            List<String> addrs = n.addresses().stream().map(a -> a.address().getHostAddress().replaceAll("%.*", "") + "/" + a.prefix()).toList();
            Finding f = found.get(n.key());
            if (f == null) {
                out.add(new DoctorReport.Interface(n.name(), addrs, n.up(), n.loopback(), n.multicast(), null, List.of()));
                continue;
            }
            Boolean v4 = n.hasIpv4() ? f.cameBack : null;
            Boolean v6 = f.joined6 ? f.cameBack6 : null;
            String problem6 = f.joined6 ? null : n.hasIpv6() ? f.problem6 : "no IPv6 address on " + n.name() + ", so not tried";
            out.add(new DoctorReport.Interface(n.name(), addrs, n.up(), n.loopback(), n.multicast(), v4, List.copyOf(f.rooms), v6, problem6));
        }
        return out;
    }

    private static void listen(List<NetIf> probed, long listenMs, Map<String, Finding> found) throws IOException {
        SecureRandom random = new SecureRandom();
        String probeName = ServiceNames.DOCTOR_PREFIX + ServiceNames.randomLabel(random).substring(0, 16) + ".local.";
        int id = random.nextInt(0x10000);
        try (MulticastSocket socket = new MulticastSocket(null); MdnsCodec codec = new MdnsCodec()) {
            socket.setReuseAddress(true);
            try {
                // the wildcard address: on a JVM with IPv6 a dual-stack socket, which takes both families
                socket.bind(new InetSocketAddress(MdnsEngine.MDNS_PORT));
            } catch (IOException e) {
                throw new IOException("cannot listen on UDP port " + MdnsEngine.MDNS_PORT + " (mDNS): " + e.getMessage(), e);
            }
            socket.setTimeToLive(255);
            socket.setOption(java.net.StandardSocketOptions.IP_MULTICAST_LOOP, true);
            List<NetIf> joined = new ArrayList<>(), joined6 = new ArrayList<>();
            for (NetIf n : probed) {
                if (n.hasIpv4()) {
                    try {
                        socket.joinGroup(new InetSocketAddress(GROUP, 0), NetworkInterface.getByIndex(n.index()));
                        joined.add(n);
                    } catch (IOException | RuntimeException e) {
                        // not joinable (gone, or no IPv4 multicast route): its query cannot come back, which the report shows
                    }
                }
                if (n.hasIpv6()) {
                    try {
                        socket.joinGroup(new InetSocketAddress(GROUP6, 0), NetworkInterface.getByIndex(n.index()));
                        joined6.add(n);
                        found.get(n.key()).joined6 = true;
                    } catch (IOException | RuntimeException e) {
                        found.get(n.key()).problem6 = "could not open an IPv6 mDNS socket on " + n.name() + " (joining ff02::fb failed: " + e.getMessage() + ")";
                    }
                }
            }
            byte[] query = codec.encode(new MdnsCodec.Draft(false, id, List.of(new MdnsCodec.Question(probeName, MdnsCodec.PTR, false)), List.of(), List.of()));
            long start = System.nanoTime(), end = start + listenMs * 1_000_000;
            boolean resent = false;
            send(socket, joined, GROUP, query);
            send(socket, joined6, GROUP6, query);
            byte[] buf = new byte[MdnsCodec.MAX_PACKET];
            for (int packets = 0; packets < MAX_PACKETS; packets++) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) break;
                if (!resent && System.nanoTime() - start > (end - start) / 2) { // a second try: one datagram may be lost
                    resent = true;
                    send(socket, joined, GROUP, query);
                    send(socket, joined6, GROUP6, query);
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
                note(on.get(), m.get(), probeName, id, p.getAddress(), found.get(on.get().key()));
            }
        }
    }

    private static void send(MulticastSocket socket, List<NetIf> joined, InetAddress group, byte[] query) {
        for (NetIf n : joined) {
            try {
                socket.setNetworkInterface(NetworkInterface.getByIndex(n.index()));
                socket.send(new DatagramPacket(query, query.length, group, MdnsEngine.MDNS_PORT));
            } catch (IOException | RuntimeException e) {
                // a send refused (EPERM from a firewall rule, no route) is the same finding as a query lost
            }
        }
    }

    private static void note(NetIf on, MdnsCodec.Message m, String probeName, int id, InetAddress sender, Finding f) {
        if (!m.response() && m.id() == id && on.owns(sender) && m.questions().stream().anyMatch(q -> probeName.equals(q.name()))) {
            if (sender instanceof Inet6Address) f.cameBack6 = true;
            else f.cameBack = true;
            return;
        }
        for (MdnsCodec.Question q : m.questions()) if (q.type() == MdnsCodec.PTR) addRoom(f.rooms, q.name(), probeName);
        for (MdnsCodec.Rec r : m.records()) if (r.type() == MdnsCodec.PTR) addRoom(f.rooms, r.name(), probeName);
    }

    /** Keeps the room a service name stands for ({@link ServiceNames#roomOf}), up to {@link #MAX_ROOMS}; our own probe is none. */
    static void addRoom(Set<String> names, String name, String probeName) {
        if (names.size() >= MAX_ROOMS || name == null || name.equals(probeName)) return;
        String room = ServiceNames.roomOf(name);
        if (room != null) names.add(room);
    }

    private static InetAddress groupAddress(byte[] address) {
        try {
            return InetAddress.getByAddress(address);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
