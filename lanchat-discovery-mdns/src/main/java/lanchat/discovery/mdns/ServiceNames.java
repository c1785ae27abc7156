package lanchat.discovery.mdns;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;

/**
 * The DNS names of one room, as go-libp2p (libp2p/zeroconf) forms them.
 *
 * <p>For room {@code R} go registers service {@code R} in domain {@code local}, so (all names fully qualified):
 * <pre>
 *   service   R.local.                       PTR question and owner of the PTR answer
 *   instance  &lt;inst&gt;.R.local.           PTR target, owner of SRV and TXT
 *   host      &lt;inst&gt;.local.             SRV target, owner of A/AAAA
 *   meta      _services._dns-sd._udp.local.  DNS-SD service-type enumeration (PTR to the service)
 * </pre>
 * {@code <inst>} is a random string of 32 to 63 characters from {@code [a-z0-9]}, used both as instance and as host
 * label (go's {@code peerName}). An empty room means go's default service {@code _p2p._udp}. Leading and trailing dots
 * of the room are dropped (go's {@code trimDot}); inner dots make more labels, as in {@code _p2p._udp}.
 *
 * <p>Names are compared exactly, case included, because go compares them as strings: rooms {@code Chat} and
 * {@code chat} are different rooms for go, so they are for us too.
 */
final class ServiceNames {
    static final String DEFAULT_SERVICE = "_p2p._udp";
    static final String DOMAIN = "local.";
    static final String META = "_services._dns-sd._udp.local.";
    static final int MIN_LABEL = 32, MAX_LABEL = 63;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    /** Characters go (miekg/dns) prints escaped: a room using them could never match a go peer. */
    private static final String ESCAPED = ".\\\"'()@;";

    final String room;
    final String service;
    final String label;
    final String instance;
    final String host;

    private ServiceNames(String room, String label) {
        this.room = room;
        this.service = room + "." + DOMAIN;
        this.label = label;
        this.instance = label + "." + service;
        this.host = label + "." + DOMAIN;
    }

    /** @throws IllegalArgumentException naming what is wrong with the room */
    static ServiceNames of(String room, Random random) {
        return withLabel(room, randomLabel(random));
    }

    static ServiceNames withLabel(String room, String label) {
        return new ServiceNames(validRoom(room), label);
    }

    /** go: {@code randomString(32 + rand.Intn(32))} over {@code [a-z0-9]}. */
    static String randomLabel(Random random) {
        int n = MIN_LABEL + random.nextInt(MAX_LABEL - MIN_LABEL + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        return sb.toString();
    }

    /** The prefix of the doctor's own probe names ({@link MdnsProbe}): a probe, never a room. */
    static final String DOCTOR_PREFIX = "_lanchat-doctor-";

    /**
     * The room a service name heard on the LAN stands for ({@code R.local.} → {@code R}: go-libp2p's service name is
     * the room), or null when it is none: DNS-SD's meta name, reverse lookups, a doctor's probe, or a name with control
     * or format characters (any LAN host picks these names and the doctor prints them: ESC or bidi characters must not
     * reach a terminal).
     */
    static String roomOf(String name) {
        if (name == null || name.equals(META)) return null;
        String suffix = "." + DOMAIN;
        if (!name.endsWith(suffix) || name.length() <= suffix.length()) return null;
        String room = name.substring(0, name.length() - suffix.length());
        if (room.contains(".in-addr") || room.contains(".ip6") || room.startsWith(DOCTOR_PREFIX)) return null;
        if (room.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) return null;
        return room;
    }

    static String validRoom(String room) {
        if (room == null) throw new IllegalArgumentException("room is required");
        String r = room;
        while (r.startsWith(".")) r = r.substring(1);
        while (r.endsWith(".")) r = r.substring(0, r.length() - 1);
        if (r.isEmpty()) return DEFAULT_SERVICE;
        int wire = 1;
        for (String label : r.split("\\.", -1)) {
            if (label.isEmpty()) throw new IllegalArgumentException("room '" + room + "' has an empty label (two dots in a row)");
            byte[] b = label.getBytes(StandardCharsets.UTF_8);
            if (b.length > 63) throw new IllegalArgumentException("room '" + room + "': a DNS label is at most 63 bytes, '" + label + "' has " + b.length);
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (c < 0x21 || c > 0x7E || ESCAPED.indexOf(c) >= 0) {
                    throw new IllegalArgumentException("room '" + room + "' may only use printable ASCII without spaces or any of " + ESCAPED
                            + " (go-libp2p peers could not match it)");
                }
            }
            wire += 1 + b.length;
        }
        // <inst>.R.local. must fit in 255 wire bytes with the longest instance label
        int total = 1 + MAX_LABEL + wire + 1 + "local".length();
        if (total > 255) throw new IllegalArgumentException("room '" + room + "' is too long: instance names would exceed 255 bytes");
        return r;
    }

    boolean isService(String name) {
        return service.equals(name);
    }

    /** The instance label of {@code <label>.R.local.} (one label, not ours or anyone's: just its shape), if it is one. */
    Optional<String> instanceLabelOf(String name) {
        if (name == null || name.length() <= service.length() + 1 || !name.endsWith(service)) return Optional.empty();
        int dot = name.length() - service.length() - 1;
        if (name.charAt(dot) != '.') return Optional.empty();
        String l = name.substring(0, dot);
        if (l.isEmpty() || l.indexOf('.') >= 0 || l.length() > MAX_LABEL) return Optional.empty();
        return Optional.of(l);
    }

    boolean isOurInstance(String name) {
        return instance.equals(name);
    }
}
