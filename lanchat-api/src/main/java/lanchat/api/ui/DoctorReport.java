package lanchat.api.ui;

import java.util.List;

/**
 * What the network doctor found: one entry per interface, whether our TCP port answered from another local address,
 * and a verdict in plain words with the next step. {@code healthy}: discovery should work (exit code 0 of
 * {@code --doctor}).
 */
public record DoctorReport(List<Interface> interfaces, TcpCheck tcp, boolean healthy, String verdict) {
    public DoctorReport {
        interfaces = List.copyOf(interfaces);
    }

    /**
     * One interface. {@code ownQueryCameBack}: the mDNS query we sent on it came back to us (multicast leaves and loops
     * back, so a firewall or driver is not dropping it); null when not tried (down, loopback, not multicast-capable).
     * {@code roomsSeen}: rendezvous (service) names heard on it while listening.
     */
    public record Interface(String name, List<String> addresses, boolean up, boolean loopback, boolean multicast, Boolean ownQueryCameBack,
                            List<String> roomsSeen) {
        public Interface {
            addresses = List.copyOf(addresses);
            roomsSeen = List.copyOf(roomsSeen);
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
            if (i.ownQueryCameBack() != null) out.add("  rooms heard: " + (i.roomsSeen().isEmpty() ? "none" : printable(String.join(", ", i.roomsSeen()))));
        }
        if (tcp != null) out.add("TCP port " + tcp.port() + (tcp.reachable() == null ? ": not checked" : tcp.reachable() ? " reachable from " + tcp.from() : " NOT reachable from " + tcp.from())
                + (tcp.detail() == null ? "" : " (" + tcp.detail() + ")"));
        out.add("verdict: " + verdict);
        return out;
    }

    /** Room names come from any LAN host: control and format characters (ESC, bidi overrides) shown as '?', never sent to a terminal. */
    static String printable(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) b.append('?');
            else b.appendCodePoint(c);
        });
        return b.toString();
    }
}
