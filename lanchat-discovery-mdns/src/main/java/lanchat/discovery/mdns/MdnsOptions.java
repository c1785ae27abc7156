package lanchat.discovery.mdns;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Settings read from {@code DiscoveryConfig.options()}; keys not listed here are ignored (the map is shared with other
 * plugins).
 *
 * <pre>
 *   mdnsInterfaces       comma list of interface names to use (default: every usable interface)
 *   mdnsIpv6             false to use IPv4 only (default true: IPv6 too where interfaces have it)
 *   mdnsQueryIntervalMs  re-query period, 2000..3600000 (default 10000, js-libp2p's; go starts at 4 s and backs off to 60 s)
 *   mdnsMissLimit        periodic queries a peer may leave unanswered before it is dropped, 1..10 (default 2)
 *   mdnsInterfacePollMs  how often interfaces are re-read, 200..60000 (default 3000)
 *   mdnsMaxPeers         peers kept per room, 1..4096 (default 256)
 * </pre>
 */
record MdnsOptions(Optional<Set<String>> interfaces, boolean ipv6, long queryIntervalMs, int missLimit, long interfacePollMs, int maxPeers) {
    static final int MAX_ADDRS_PER_PEER = 16;
    /** RFC 6762 6: a record is multicast on an interface at most once per second. */
    static final long MIN_MULTICAST_INTERVAL_MS = 1000;

    static MdnsOptions defaults() {
        return parse(Map.of());
    }

    static MdnsOptions parse(Map<String, String> o) {
        Optional<Set<String>> ifaces = Optional.ofNullable(o.get("mdnsInterfaces")).map(s -> Arrays.stream(s.split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new)));
        if (ifaces.isPresent() && ifaces.get().isEmpty()) throw new IllegalArgumentException("option mdnsInterfaces names no interface");
        String v6 = o.getOrDefault("mdnsIpv6", "true");
        if (!v6.equals("true") && !v6.equals("false")) throw new IllegalArgumentException("option mdnsIpv6 must be true or false, got '" + v6 + "'");
        return new MdnsOptions(ifaces.map(Set::copyOf), v6.equals("true"),
                number(o, "mdnsQueryIntervalMs", 10_000, 2_000, 3_600_000),
                (int) number(o, "mdnsMissLimit", 2, 1, 10),
                number(o, "mdnsInterfacePollMs", 3_000, 200, 60_000),
                (int) number(o, "mdnsMaxPeers", 256, 1, 4096));
    }

    private static long number(Map<String, String> o, String key, long dflt, long min, long max) {
        String s = o.get(key);
        if (s == null) return dflt;
        long v;
        try {
            v = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be a number, got '" + s + "'");
        }
        if (v < min || v > max) throw new IllegalArgumentException("option " + key + " must be between " + min + " and " + max + ", got " + v);
        return v;
    }
}
