package lanchat.discovery.mdns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A snapshot of one network interface: plain data, so the selection and attribution rules are testable without a
 * network. {@link #key()} includes the index: an interface that comes back with the same name but a new index (a
 * Docker network reconnect) is a new interface and is joined again.
 */
record NetIf(String name, int index, boolean up, boolean loopback, boolean multicast, int mtu, List<IfAddr> addresses) {
    /** One address with its prefix length. */
    record IfAddr(InetAddress address, int prefix) {
        boolean contains(InetAddress other) {
            byte[] a = address.getAddress(), b = other.getAddress();
            if (a.length != b.length) return false;
            int bits = Math.max(0, Math.min(prefix, a.length * 8));
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((a[i / 8] & mask) != (b[i / 8] & mask)) return false;
            }
            return true;
        }
    }

    NetIf {
        addresses = List.copyOf(addresses);
    }

    String key() {
        return name + "#" + index;
    }

    boolean hasIpv4() {
        return addresses.stream().anyMatch(a -> a.address() instanceof Inet4Address);
    }

    boolean hasIpv6() {
        return addresses.stream().anyMatch(a -> a.address() instanceof Inet6Address);
    }

    boolean owns(InetAddress ip) {
        return addresses.stream().anyMatch(a -> sameIp(a.address(), ip));
    }

    /**
     * Whether {@code ip} is on this interface's link, reachable without a router: inside one of its subnets, or an
     * IPv4 link-local address (169.254/16, which is never routed, so it can only mean a host on this link). A record
     * that arrived here may name only such addresses: anything else would have us dial across a router on a
     * stranger's say-so.
     */
    boolean onLink(InetAddress ip) {
        for (IfAddr a : addresses) if (a.contains(ip)) return true;
        return ip instanceof Inet4Address && ip.isLinkLocalAddress();
    }

    static boolean sameIp(InetAddress a, InetAddress b) {
        return java.util.Arrays.equals(a.getAddress(), b.getAddress());
    }

    /**
     * The interfaces to use: up, multicast-capable and not loopback; loopback only when nothing else qualifies. With
     * {@code only} (option {@code mdnsInterfaces}) exactly the named interfaces that are up, loopback included.
     * Interfaces without any address are left out (nothing to join on or advertise).
     */
    static List<NetIf> usable(List<NetIf> all, Optional<Set<String>> only) {
        List<NetIf> out = new ArrayList<>();
        if (only.isPresent()) {
            for (NetIf n : all) if (n.up && only.get().contains(n.name) && !n.addresses.isEmpty()) out.add(n);
            return out;
        }
        for (NetIf n : all) if (n.up && n.multicast && !n.loopback && !n.addresses.isEmpty()) out.add(n);
        if (out.isEmpty()) for (NetIf n : all) if (n.up && n.loopback && !n.addresses.isEmpty()) out.add(n);
        return out;
    }

    /**
     * The interface a packet from {@code sender} came in on: Java cannot tell (no IP_PKTINFO), so the sender's
     * address decides: the IPv6 scope id (link-local senders), else the interface whose subnet holds it.
     */
    static Optional<NetIf> attribute(List<NetIf> ifaces, InetAddress sender) {
        if (sender instanceof Inet6Address v6 && v6.getScopeId() > 0) {
            for (NetIf n : ifaces) if (n.index == v6.getScopeId()) return Optional.of(n);
        }
        for (NetIf n : ifaces) for (IfAddr a : n.addresses) if (a.contains(sender)) return Optional.of(n);
        return Optional.empty();
    }

    /** Every interface of this host, read from {@link NetworkInterface}; sub-interfaces (aliases) are skipped. */
    static List<NetIf> snapshot() throws SocketException {
        List<NetIf> out = new ArrayList<>();
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (ni.isVirtual()) continue;
            try {
                List<IfAddr> addrs = new ArrayList<>();
                for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                    if (ia.getAddress() != null) addrs.add(new IfAddr(ia.getAddress(), ia.getNetworkPrefixLength()));
                }
                out.add(new NetIf(ni.getName(), ni.getIndex(), ni.isUp(), ni.isLoopback(), ni.supportsMulticast(), ni.getMTU(), addrs));
            } catch (SocketException gone) {
                // vanished while we looked: the next poll sees the new state
            }
        }
        return out;
    }

    /** All addresses of all interfaces: a packet from one of them came from this host. */
    static Set<InetAddress> allAddresses(List<NetIf> all) {
        Set<InetAddress> out = new HashSet<>();
        for (NetIf n : all) for (IfAddr a : n.addresses) out.add(stripScope(a.address()));
        return out;
    }

    static InetAddress stripScope(InetAddress a) {
        if (a instanceof Inet6Address) {
            try {
                return InetAddress.getByAddress(a.getAddress());
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return a;
    }
}
