package lanchat.discovery.mdns;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import lanchat.api.Multiaddr;
import lanchat.api.Multiaddr.Component;
import lanchat.api.Multiaddr.Protocol;
import lanchat.api.PeerId;

/**
 * The {@code dnsaddr=} TXT strings of the libp2p mDNS spec: building what we advertise on one interface and reading
 * what others advertise. Pure functions; no DNS framing here (Netty codec-dns does that), only the TXT RDATA, which is
 * a sequence of {@code <length byte><bytes>} character-strings (RFC 1035 3.3.14).
 */
final class TxtRecords {
    static final String PREFIX = "dnsaddr=";
    /** A character-string holds at most 255 bytes; longer dnsaddrs cannot be sent (js-libp2p skips them too). */
    static final int MAX_STRING = 255;
    /** At most this many strings are read from one TXT record; the rest is ignored. */
    static final int MAX_STRINGS = 64;
    /**
     * LAN Chat's own string: which of the node's transports listens on which TCP port, in its order of preference,
     * e.g. {@code lanchat-transports=libp2p:9000,netty:41234}. Both transports speak TCP, so a {@code dnsaddr} cannot
     * say which one listens there; the transports listen on the same IPs, so a port is enough. go-libp2p and
     * js-libp2p read only {@code dnsaddr=} strings and skip it.
     */
    static final String TRANSPORTS_PREFIX = "lanchat-transports=";
    /** At most this many transports are read from one {@link #TRANSPORTS_PREFIX} string (a node runs one or two). */
    static final int MAX_TRANSPORTS = 4;
    private static final java.util.regex.Pattern TRANSPORT_ENTRY = java.util.regex.Pattern.compile("([a-z0-9][a-z0-9-]{0,15}):([0-9]{1,5})");

    private TxtRecords() {}

    /**
     * What one TXT record says: a peer, its usable addresses (each ending in {@code /p2p/<peer>}), and which transport
     * listens on which port when it said so (else empty).
     */
    record Advert(PeerId peer, List<Multiaddr> addresses, Map<String, Integer> transportPorts) {
        Advert {
            addresses = List.copyOf(addresses);
            transportPorts = Collections.unmodifiableMap(new LinkedHashMap<>(transportPorts));
        }

        Advert(PeerId peer, List<Multiaddr> addresses) {
            this(peer, addresses, Map.of());
        }
    }

    // ---------------------------------------------------------------- building

    /**
     * The addresses to advertise on {@code nif}: those of {@code listen} whose IP belongs to the interface (a wildcard
     * {@code 0.0.0.0} or {@code ::} is expanded to the interface's addresses of that family; {@code ::} also to IPv4,
     * as a dual-stack socket accepts both). Loopback IPs only on a loopback interface; IPv6 link-local addresses never
     * (without a zone they cannot be dialed). Each ends in {@code /p2p/<self>}; duplicates dropped; at most
     * {@code max}, in the order given.
     */
    static List<Multiaddr> forInterface(List<Multiaddr> listen, NetIf nif, PeerId self, int max) {
        Set<Multiaddr> out = new LinkedHashSet<>();
        for (Multiaddr m : listen) {
            Component first = m.components().get(0);
            if (first.protocol() != Protocol.IP4 && first.protocol() != Protocol.IP6) continue;
            InetAddress ip = ip(first);
            List<Component> full = m.withPeerId(self).components();
            List<Component> rest = full.subList(1, full.size());
            if (ip.isAnyLocalAddress()) {
                for (NetIf.IfAddr a : nif.addresses()) {
                    InetAddress x = a.address();
                    boolean family = ip instanceof Inet4Address ? x instanceof Inet4Address : true;
                    if (family && advertisable(x, nif)) out.add(with(x, rest));
                }
            } else if (nif.owns(ip) && advertisable(ip, nif)) {
                out.add(with(ip, rest));
            }
            if (out.size() >= max) break;
        }
        List<Multiaddr> list = new ArrayList<>(out);
        return list.size() > max ? list.subList(0, max) : list;
    }

    private static boolean advertisable(InetAddress ip, NetIf nif) {
        if (ip.isLoopbackAddress() && !nif.loopback()) return false;
        if (ip instanceof Inet6Address && ip.isLinkLocalAddress()) return false;
        return !ip.isAnyLocalAddress() && !ip.isMulticastAddress();
    }

    private static Multiaddr with(InetAddress ip, List<Component> rest) {
        List<Component> c = new ArrayList<>();
        c.add(new Component(ip instanceof Inet4Address ? Protocol.IP4 : Protocol.IP6, ip.getAddress()));
        c.addAll(rest);
        return new Multiaddr(c);
    }

    /** {@code dnsaddr=<addr>} for each address, leaving out any longer than 255 bytes. */
    static List<String> dnsaddrs(List<Multiaddr> addresses) {
        List<String> out = new ArrayList<>();
        for (Multiaddr m : addresses) {
            String s = PREFIX + m;
            if (s.getBytes(StandardCharsets.UTF_8).length <= MAX_STRING) out.add(s);
        }
        return out;
    }

    /**
     * The {@link #TRANSPORTS_PREFIX} string for {@code transportPorts}; empty when there is nothing to say or a name
     * cannot be written (then peers fall back to dialing our addresses with their first transport).
     */
    static Optional<String> transports(Map<String, Integer> transportPorts) {
        if (transportPorts.isEmpty() || transportPorts.size() > MAX_TRANSPORTS) return Optional.empty();
        StringBuilder b = new StringBuilder(TRANSPORTS_PREFIX);
        for (Map.Entry<String, Integer> e : transportPorts.entrySet()) {
            String entry = e.getKey() + ":" + e.getValue();
            if (!TRANSPORT_ENTRY.matcher(entry).matches() || e.getValue() < 1 || e.getValue() > 65535) return Optional.empty();
            if (b.length() > TRANSPORTS_PREFIX.length()) b.append(',');
            b.append(entry);
        }
        return Optional.of(b.toString());
    }

    /** TXT RDATA for {@code strings}; an empty list gives one empty string, the smallest valid TXT (RFC 6763 6.1). */
    static byte[] rdata(List<String> strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (strings.isEmpty()) out.write(0);
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > MAX_STRING) throw new IllegalArgumentException("TXT string longer than 255 bytes");
            out.write(b.length);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- reading

    /** The character-strings of TXT RDATA: at most {@link #MAX_STRINGS}; a string running past the end ends the list. */
    static List<String> strings(byte[] rdata, int offset, int length) {
        List<String> out = new ArrayList<>();
        int i = offset, end = offset + length;
        while (i < end && out.size() < MAX_STRINGS) {
            int n = rdata[i++] & 0xFF;
            if (n > end - i) break;
            out.add(new String(rdata, i, n, StandardCharsets.UTF_8));
            i += n;
        }
        return out;
    }

    /**
     * Reads a TXT record's strings the way go-libp2p does (each {@code dnsaddr=} string is one multiaddr ending in
     * {@code /p2p/<id>}), more strictly:
     * <ul>
     *   <li>strings without the {@code dnsaddr=} prefix, unparsable multiaddrs and multiaddrs without a trailing
     *       {@code /p2p} are skipped;</li>
     *   <li>only {@code /ip4} and {@code /ip6} addresses are kept, not unspecified, multicast or IPv6 link-local ones,
     *       and only those {@code dialable} accepts (the engine's rule: on the link the record came in on, loopback
     *       only from this host);</li>
     *   <li>one record is one peer: the peer of the first usable address; addresses naming another peer are skipped
     *       (go would report them as a second peer, js-libp2p would wrongly merge them);</li>
     *   <li>a record whose peer is {@code self} is ours: empty result;</li>
     *   <li>at most {@code max} addresses, duplicates dropped.</li>
     * </ul>
     * Empty when nothing usable is left.
     */
    static Optional<Advert> parse(List<String> strings, PeerId self, Predicate<InetAddress> dialable, int max) {
        PeerId peer = null;
        Set<Multiaddr> addrs = new LinkedHashSet<>();
        int seen = 0;
        for (String s : strings) {
            if (++seen > MAX_STRINGS) break;
            if (!s.startsWith(PREFIX)) continue;
            Multiaddr m;
            try {
                m = Multiaddr.parse(s.substring(PREFIX.length()));
            } catch (IllegalArgumentException malformed) {
                continue;
            }
            Optional<PeerId> id = m.peerId();
            if (id.isEmpty() || m.components().size() < 2 || !usable(m, dialable)) continue;
            if (peer == null) peer = id.get();
            else if (!peer.equals(id.get())) continue;
            if (addrs.size() < max) addrs.add(m);
        }
        if (peer == null || peer.equals(self) || addrs.isEmpty()) return Optional.empty();
        return Optional.of(new Advert(peer, new ArrayList<>(addrs), transportPorts(strings)));
    }

    /**
     * The first {@link #TRANSPORTS_PREFIX} string's map, all or nothing: a string with a malformed entry, a repeated
     * name or port, or more than {@link #MAX_TRANSPORTS} entries says nothing (the peer's addresses are then dialed as
     * a peer's that did not say).
     */
    static Map<String, Integer> transportPorts(List<String> strings) {
        int seen = 0;
        for (String s : strings) {
            if (++seen > MAX_STRINGS) break;
            if (!s.startsWith(TRANSPORTS_PREFIX)) continue;
            String[] entries = s.substring(TRANSPORTS_PREFIX.length()).split(",", MAX_TRANSPORTS + 1);
            if (entries.length > MAX_TRANSPORTS) return Map.of();
            Map<String, Integer> out = new LinkedHashMap<>();
            for (String entry : entries) {
                java.util.regex.Matcher m = TRANSPORT_ENTRY.matcher(entry);
                if (!m.matches()) return Map.of();
                int port = Integer.parseInt(m.group(2));
                if (port < 1 || port > 65535 || out.containsValue(port) || out.put(m.group(1), port) != null) return Map.of();
            }
            return out;
        }
        return Map.of();
    }

    /**
     * Each transport's addresses from what a peer advertised: its {@code dnsaddr} addresses with the transport's port
     * (its transports listen on the same IPs), in the peer's order. Empty when it did not say.
     */
    static Map<String, List<Multiaddr>> byTransport(PeerId peer, List<Multiaddr> addresses, Map<String, Integer> transportPorts) {
        Map<String, List<Multiaddr>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : transportPorts.entrySet()) {
            Set<Multiaddr> list = new LinkedHashSet<>();
            for (Multiaddr a : addresses) {
                if (!a.isPlainTcp()) continue;
                java.net.InetSocketAddress tcp = a.toTcpSocketAddress();
                list.add(Multiaddr.tcp(new java.net.InetSocketAddress(tcp.getAddress(), e.getValue())).withPeerId(peer));
            }
            if (!list.isEmpty()) out.put(e.getKey(), new ArrayList<>(list));
        }
        return out;
    }

    private static boolean usable(Multiaddr m, Predicate<InetAddress> dialable) {
        Component first = m.components().get(0);
        if (first.protocol() != Protocol.IP4 && first.protocol() != Protocol.IP6) return false;
        InetAddress ip = ip(first);
        if (ip.isAnyLocalAddress() || ip.isMulticastAddress()) return false;
        if (ip instanceof Inet6Address && ip.isLinkLocalAddress()) return false;
        return dialable.test(ip);
    }

    private static InetAddress ip(Component c) {
        try {
            byte[] v = c.value();
            if (c.protocol() == Protocol.IP6) return Inet6Address.getByAddress(null, v, -1);
            return InetAddress.getByAddress(v);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
