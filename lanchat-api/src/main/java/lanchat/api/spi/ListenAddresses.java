package lanchat.api.spi;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;

/** Turns a bound socket address into the multiaddrs a transport reports, for transport plugins to share. */
public final class ListenAddresses {
    private ListenAddresses() {}

    /**
     * One {@code /ip…/tcp/<port>/p2p/<self>} per address a listener is reachable at: every address of every up
     * interface (loopback first) when {@code requested} is a wildcard ({@code 0.0.0.0}: IPv4 only, {@code ::}: both
     * families), else just {@code requested}. IPv6 link-local addresses are left out: without a zone they cannot be
     * dialed.
     *
     * @param requested the address the user asked to listen on (the socket may report a dual-stack {@code ::} instead)
     * @param port the port actually bound
     */
    public static List<Multiaddr> of(InetAddress requested, int port, PeerId self) {
        InetAddress ip = requested;
        if (!ip.isAnyLocalAddress()) return List.of(Multiaddr.tcp(new InetSocketAddress(ip, port)).withPeerId(self));
        boolean v6 = ip instanceof Inet6Address;
        List<InetAddress> found = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp()) continue;
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a.isLinkLocalAddress()) continue;
                    if (a instanceof Inet4Address || (v6 && a instanceof Inet6Address)) found.add(a);
                }
            }
        } catch (SocketException e) {
            found.clear();
        }
        if (found.isEmpty()) found.add(InetAddress.getLoopbackAddress());
        found.sort(Comparator.comparing((InetAddress a) -> !a.isLoopbackAddress()).thenComparing(a -> a instanceof Inet6Address));
        List<Multiaddr> out = new ArrayList<>();
        for (InetAddress a : found) out.add(Multiaddr.tcp(new InetSocketAddress(a, port)).withPeerId(self));
        return List.copyOf(out);
    }
}
