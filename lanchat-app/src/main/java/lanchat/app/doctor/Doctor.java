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
        return verdict(interfaces, tcp, probeProblem);
    }

    /** The verdict from the findings alone (no I/O), so every case is testable. */
    static DoctorReport verdict(List<DoctorReport.Interface> interfaces, DoctorReport.TcpCheck tcp, String probeProblem) {
        if (probeProblem != null) return new DoctorReport(interfaces, tcp, false, "cannot check multicast: " + probeProblem + ". Next: fix that, then run --doctor again; meanwhile --peer ADDRESS connects without discovery.");
        List<DoctorReport.Interface> tried = interfaces.stream().filter(i -> i.ownQueryCameBack() != null).toList();
        if (tried.isEmpty()) {
            return new DoctorReport(interfaces, tcp, false, "no network interface that can carry multicast is up (only loopback or none with an IPv4 address). "
                    + "Next: connect to the LAN (Wi-Fi or cable), then run --doctor again.");
        }
        List<String> open = tried.stream().filter(i -> i.ownQueryCameBack()).map(DoctorReport.Interface::name).toList();
        List<String> blocked = tried.stream().filter(i -> !i.ownQueryCameBack()).map(DoctorReport.Interface::name).toList();
        if (open.isEmpty()) {
            return new DoctorReport(interfaces, tcp, false, "multicast is blocked on " + String.join(", ", blocked)
                    + ": our own mDNS query (UDP 5353 to 224.0.0.251) never came back, so a firewall rule (nftables/iptables) drops it. "
                    + "Next: allow UDP port 5353 to and from 224.0.0.251, or connect with --peer ADDRESS.");
        }
        if (tcp != null && Boolean.FALSE.equals(tcp.reachable())) {
            return new DoctorReport(interfaces, tcp, false, "multicast works on " + String.join(", ", open) + ", but TCP port " + tcp.port()
                    + " does not accept connections from " + tcp.from() + ": peers will find this node and fail to connect. Next: allow incoming TCP on port "
                    + tcp.port() + " in the firewall.");
        }
        List<String> rooms = tried.stream().flatMap(i -> i.roomsSeen().stream()).distinct().toList();
        String heard = rooms.isEmpty()
                ? " No room was heard on the LAN while listening: if peers are running, the Wi-Fi access point may isolate clients (client isolation); otherwise start a peer with the same --rendezvous."
                : " Rooms heard on the LAN: " + String.join(", ", rooms) + ".";
        String partly = blocked.isEmpty() ? "" : " (blocked on " + String.join(", ", blocked) + ")";
        return new DoctorReport(interfaces, tcp, true, "discovery looks healthy: multicast works on " + String.join(", ", open) + partly + "." + heard);
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
