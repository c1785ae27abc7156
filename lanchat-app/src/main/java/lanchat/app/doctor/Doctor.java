package lanchat.app.doctor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import lanchat.api.spi.DiscoveryProbe;
import lanchat.api.ui.DoctorReport;

/** Runs the probes and writes the verdict. Stateless; each run takes about {@code listenFor}. */
public final class Doctor {
    /** How long the mDNS probe listens: our query goes out twice, and a peer that starts meanwhile announces its room. */
    public static final Duration LISTEN = Duration.ofSeconds(5);
    private static final int CONNECT_TIMEOUT_MS = 1500;

    private final Optional<DiscoveryProbe> probe;

    public Doctor(Optional<DiscoveryProbe> probe) {
        this.probe = probe;
    }

    /**
     * Examines the host. {@code tcpPort} is the port the node listens on; 0 means no node runs, so a listener of the
     * doctor's own on {@code host} (an ephemeral port) stands in for it.
     */
    public DoctorReport examine(InetAddress host, int tcpPort, Duration listenFor) {
        return examine(host, tcpPort, listenFor, null);
    }

    /**
     * {@link #examine(InetAddress, int, Duration)} in a running node: {@code heardLastMinute} is what its discovery heard
     * on the LAN in the last minute ({@link lanchat.api.spi.Discovery#recentlyHeard()}), read after the probe listened.
     */
    public DoctorReport examine(InetAddress host, int tcpPort, Duration listenFor, java.util.function.Supplier<List<String>> heardLastMinute) {
        List<DoctorReport.Interface> interfaces = List.of();
        String probeProblem = null;
        if (probe.isEmpty()) probeProblem = "no mDNS discovery plugin is installed (is mods/ complete?)";
        else {
            try {
                interfaces = probe.get().probe(listenFor);
            } catch (IOException e) {
                probeProblem = e.getMessage();
            }
        }
        DoctorReport.TcpCheck tcp = tcpCheck(host, tcpPort, interfaces);
        return verdict(interfaces, tcp, probeProblem, heardLastMinute == null ? null : heardLastMinute.get());
    }

    static DoctorReport verdict(List<DoctorReport.Interface> interfaces, DoctorReport.TcpCheck tcp, String probeProblem) {
        return verdict(interfaces, tcp, probeProblem, null);
    }

    /**
     * The verdict from the findings alone (no I/O), so every case is testable. {@code heard}: the running node's names
     * of the last minute, or null without a node; they count as rooms heard.
     */
    static DoctorReport verdict(List<DoctorReport.Interface> interfaces, DoctorReport.TcpCheck tcp, String probeProblem, List<String> heard) {
        String v = verdictText(interfaces, tcp, probeProblem, heard);
        return new DoctorReport(interfaces, tcp, v.startsWith(HEALTHY) || v.startsWith(HEALTHY_OVER_IPV4), v, heard);
    }

    private static final String HEALTHY = "discovery looks healthy", HEALTHY_OVER_IPV4 = "discovery works over IPv4";

    private static String verdictText(List<DoctorReport.Interface> interfaces, DoctorReport.TcpCheck tcp, String probeProblem, List<String> heard) {
        if (probeProblem != null) return "cannot check multicast: " + probeProblem + ". Next: fix that, then run --doctor again; meanwhile --peer ADDRESS connects without discovery.";
        List<DoctorReport.Interface> tried = interfaces.stream().filter(i -> i.ownQueryCameBack() != null).toList();
        if (tried.isEmpty()) {
            return "no network interface that can carry multicast is up (only loopback or none with an IPv4 address). "
                    + "Next: connect to the LAN (Wi-Fi or cable), then run --doctor again.";
        }
        // IPv6 tried (an IPv6 socket joined ff02::fb there) and our query did not come back
        List<String> blocked6 = interfaces.stream().filter(i -> Boolean.FALSE.equals(i.ownQueryCameBackIpv6())).map(DoctorReport.Interface::name).toList();
        List<String> open = tried.stream().filter(i -> i.ownQueryCameBack()).map(DoctorReport.Interface::name).toList();
        List<String> blocked = tried.stream().filter(i -> !i.ownQueryCameBack()).map(DoctorReport.Interface::name).toList();
        if (open.isEmpty()) {
            return "multicast is blocked on " + String.join(", ", blocked)
                    + ": our own mDNS query (UDP 5353 to 224.0.0.251) never came back, so a firewall rule (nftables/iptables) drops it. "
                    + "Next: allow UDP port 5353 to and from 224.0.0.251, or connect with --peer ADDRESS."
                    + (blocked6.isEmpty() ? "" : " IPv6 multicast (ff02::fb) is blocked too on " + String.join(", ", blocked6) + ".");
        }
        if (tcp != null && Boolean.FALSE.equals(tcp.reachable())) {
            return "multicast works on " + String.join(", ", open) + ", but TCP port " + tcp.port()
                    + " does not accept connections from " + tcp.from() + ": peers will find this node and fail to connect. Next: allow incoming TCP on port "
                    + tcp.port() + " in the firewall.";
        }
        List<String> rooms = java.util.stream.Stream.concat(tried.stream().flatMap(i -> i.roomsSeen().stream()), heard == null ? java.util.stream.Stream.of() : heard.stream())
                .distinct().toList();
        String heardText = rooms.isEmpty()
                ? " No room was heard on the LAN" + (heard == null ? " while listening" : " in the last minute")
                        + ": if peers are running, the Wi-Fi access point may isolate clients (client isolation); otherwise start a peer with the same --rendezvous."
                : " Rooms heard on the LAN: " + DoctorReport.printable(String.join(", ", rooms)) + ".";
        String partly = blocked.isEmpty() ? "" : " (blocked on " + String.join(", ", blocked) + ")";
        if (!blocked6.isEmpty()) {
            // IPv4 carries discovery (every LAN Chat and go-libp2p node announces in both families), so peers are still
            // found; the blocked family is named so that a peer reachable only over IPv6 is not a mystery
            return HEALTHY_OVER_IPV4 + ": multicast works on " + String.join(", ", open) + partly + ", but IPv6 multicast is blocked on "
                    + String.join(", ", blocked6) + ": our own mDNS query to ff02::fb never came back, so a firewall rule (ip6tables/nftables) drops it; "
                    + "peers that announce themselves over IPv6 only will not be found. Next: allow UDP port 5353 to and from ff02::fb." + heardText;
        }
        return HEALTHY + ": multicast works on " + String.join(", ", open) + partly + "." + heardText;
    }

    /**
     * Connects to the port at an interface address a peer would dial, from another address of this host (loopback), so
     * a local firewall rule on incoming TCP shows. Null when there is no such pair (only loopback).
     */
    static DoctorReport.TcpCheck tcpCheck(InetAddress host, int port, List<DoctorReport.Interface> interfaces) {
        Optional<InetAddress> target = interfaces.stream().filter(i -> i.up() && !i.loopback()).flatMap(i -> i.addresses().stream())
                .map(a -> a.substring(0, a.indexOf('/'))).filter(a -> !a.contains(":")).findFirst().map(Doctor::ip);
        if (host != null && !host.isAnyLocalAddress()) target = Optional.of(host);
        if (target.isEmpty() || target.get().isLoopbackAddress()) return new DoctorReport.TcpCheck(port, "-", null, "no LAN address to check");
        InetAddress from = InetAddress.getLoopbackAddress();
        ServerSocket own = null;
        try {
            if (port == 0) {
                own = new ServerSocket();
                own.bind(new InetSocketAddress(host == null ? target.get() : host, 0));
                port = own.getLocalPort();
            }
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(from, 0));
                s.connect(new InetSocketAddress(target.get(), port), CONNECT_TIMEOUT_MS);
                return new DoctorReport.TcpCheck(port, from.getHostAddress(), true, "to " + target.get().getHostAddress());
            }
        } catch (IOException e) {
            return new DoctorReport.TcpCheck(port, from.getHostAddress(), false, "to " + target.get().getHostAddress() + ": " + e.getMessage());
        } finally {
            if (own != null) try {
                own.close();
            } catch (IOException ignored) {
                // a test listener
            }
        }
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no lookup
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
