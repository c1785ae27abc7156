package lanchat.api.ui;

import java.util.List;

/**
 * What the network doctor found: one entry per interface, whether our TCP port answered from another local address,
 * and a verdict in plain words with the next step. {@code healthy}: discovery should work (exit code 0 of
 * {@code --doctor}). {@code heardLastMinute}: the rendezvous names the running node's discovery heard on the LAN in the
 * last minute (passive, names only; {@link lanchat.api.spi.Discovery#recentlyHeard()}); null when no node runs
 * ({@code --doctor} on its own), so "none heard" and "not known" stay apart.
 */
public record DoctorReport(List<Interface> interfaces, TcpCheck tcp, boolean healthy, String verdict, List<String> heardLastMinute) {
    public DoctorReport {
        interfaces = List.copyOf(interfaces);
        heardLastMinute = heardLastMinute == null ? null : List.copyOf(heardLastMinute);
    }

    /** A report without a running node's record (e.g. {@code --doctor}). */
    public DoctorReport(List<Interface> interfaces, TcpCheck tcp, boolean healthy, String verdict) {
        this(interfaces, tcp, healthy, verdict, null);
    }

    /**
     * One interface. {@code ownQueryCameBack}: the mDNS query we sent on it to 224.0.0.251 came back to us (multicast
     * leaves and loops back, so a firewall or driver is not dropping it); null when not tried (down, loopback, not
     * multicast-capable). {@code roomsSeen}: rendezvous (service) names heard on it while listening.
     * {@code ownQueryCameBackIpv6}: the same for IPv6 (ff02::fb); null when not tried, and then {@code ipv6Problem}
     * says why in plain words (no IPv6 address there, or the IPv6 multicast socket could not be opened on it).
     */
    public record Interface(String name, List<String> addresses, boolean up, boolean loopback, boolean multicast, Boolean ownQueryCameBack,
                            List<String> roomsSeen, Boolean ownQueryCameBackIpv6, String ipv6Problem) {
        public Interface {
            addresses = List.copyOf(addresses);
            roomsSeen = List.copyOf(roomsSeen);
        }

        /** IPv4 findings only (IPv6 not tried, for no reason worth telling: down, loopback, not multicast-capable). */
        public Interface(String name, List<String> addresses, boolean up, boolean loopback, boolean multicast, Boolean ownQueryCameBack,
                         List<String> roomsSeen) {
            this(name, addresses, up, loopback, multicast, ownQueryCameBack, roomsSeen, null, null);
        }

        /** Whether IPv6 was tried or has something to say. */
        boolean ipv6Reported() {
            return ownQueryCameBackIpv6 != null || ipv6Problem != null;
        }
    }

    /** {@code port} connected to from {@code from}; {@code reachable} null when there was nothing to try. */
    public record TcpCheck(int port, String from, Boolean reachable, String detail) {}

    /** The report as lines for a person. */
    public List<String> lines() {
        List<String> out = new java.util.ArrayList<>();
        for (Interface i : interfaces) {
            out.add(i.name() + ": " + (i.up() ? "up" : "down") + (i.loopback() ? ", loopback" : "") + (i.multicast() ? ", multicast" : ", no multicast")
                    + "; " + (i.addresses().isEmpty() ? "no addresses" : String.join(" ", i.addresses())));
            if (i.ownQueryCameBack() != null) out.add("  own mDNS query came back: " + (i.ownQueryCameBack() ? "yes" : "NO"));
            if (i.ipv6Reported()) out.add("  own mDNS query came back over IPv6 (ff02::fb): "
                    + (i.ownQueryCameBackIpv6() != null ? (i.ownQueryCameBackIpv6() ? "yes" : "NO") : i.ipv6Problem()));
            if (i.ownQueryCameBack() != null || i.ipv6Reported()) out.add("  rooms heard: " + (i.roomsSeen().isEmpty() ? "none" : printable(String.join(", ", i.roomsSeen()))));
        }
        if (heardLastMinute != null) out.add("rooms this node heard in the last minute: "
                + (heardLastMinute.isEmpty() ? "none" : printable(String.join(", ", heardLastMinute))));
        if (tcp != null) out.add("TCP port " + tcp.port() + (tcp.reachable() == null ? ": not checked" : tcp.reachable() ? " reachable from " + tcp.from() : " NOT reachable from " + tcp.from())
                + (tcp.detail() == null ? "" : " (" + tcp.detail() + ")"));
        out.add("verdict: " + verdict);
        return out;
    }

    /** Room names come from any LAN host: control and format characters (ESC, bidi overrides) shown as '?', never sent to a terminal. */
    public static String printable(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) b.append('?');
            else b.appendCodePoint(c);
        });
        return b.toString();
    }
}
