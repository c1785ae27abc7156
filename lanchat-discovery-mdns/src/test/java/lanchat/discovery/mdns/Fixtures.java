package lanchat.discovery.mdns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;

/** Deterministic peers, interfaces and addresses for the unit tests. */
final class Fixtures {
    private Fixtures() {}

    static PeerId peer(int n) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) n);
        return Identity.fromSeed(seed).peerId();
    }

    /** The {@code n}-th of up to 65536 distinct peers, none of them a {@link #peer(int)}: for floods. */
    static PeerId manyPeer(int n) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) 0x5A);
        seed[0] = (byte) (n >> 8);
        seed[1] = (byte) n;
        return Identity.fromSeed(seed).peerId();
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: never a lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Multiaddr tcp(String ip, int port, PeerId p) {
        String proto = ip.contains(":") ? "ip6" : "ip4";
        return Multiaddr.parse("/" + proto + "/" + ip + "/tcp/" + port + "/p2p/" + p);
    }

    static NetIf nif(String name, int index, String... cidrs) {
        List<NetIf.IfAddr> addrs = Arrays.stream(cidrs).map(c -> {
            String[] p = c.split("/");
            return new NetIf.IfAddr(ip(p[0]), Integer.parseInt(p[1]));
        }).toList();
        boolean lo = name.startsWith("lo");
        return new NetIf(name, index, true, lo, !lo, 1500, addrs);
    }
}
