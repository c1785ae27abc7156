package lanchat.discovery.mdns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;

/**
 * The attacker of issue 13, attack 6, for the network-namespace tests: multicasts mDNS records of {@code --peers}
 * peers that do not exist, each claiming 12 addresses on the victim {@code --on} (ports {@code --port} …+11) and 4
 * on {@code --off} (ports {@code --port} …+3), every {@code --every-ms}; and is the victim too: it listens on those 12
 * ports on every address and prints {@code CONN <local> <remote>} for each connection it accepts (and closes at
 * once). Prints {@code SPOOFED <ms> <peers>} after each round. Stops after {@code --for-ms} (bounded whatever the
 * test does). Run as {@code ip netns exec <ns> java -cp … NetnsSpoofer …}.
 */
public final class NetnsSpoofer {
    private NetnsSpoofer() {}

    public static void main(String[] args) throws Exception {
        String room = null, on = null, off = null;
        int port = 0, peers = 0;
        long every = 2000, duration = 60_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--room" -> room = args[++i];
                case "--on" -> on = args[++i];
                case "--off" -> off = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--peers" -> peers = Integer.parseInt(args[++i]);
                case "--every-ms" -> every = Long.parseLong(args[++i]);
                case "--for-ms" -> duration = Math.min(120_000, Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        for (int k = 0; k < 12; k++) sink(port + k);

        List<byte[]> datagrams = new ArrayList<>();
        try (MdnsCodec codec = new MdnsCodec()) {
            for (int i = 0; i < peers; i++) {
                PeerId fake = Fixtures.manyPeer(i);
                List<Multiaddr> addrs = new ArrayList<>();
                for (int k = 0; k < 12; k++) addrs.add(Multiaddr.parse("/ip4/" + on + "/tcp/" + (port + k) + "/p2p/" + fake));
                for (int k = 0; k < 4; k++) addrs.add(Multiaddr.parse("/ip4/" + off + "/tcp/" + (port + k) + "/p2p/" + fake));
                String label = ("spoof" + i + "x".repeat(40)).substring(0, 40);
                ServiceNames names = ServiceNames.withLabel(room, label);
                datagrams.add(codec.encode(new MdnsCodec.Draft(true, 0, List.of(),
                        List.of(new MdnsCodec.Rr(names.instance, true, MdnsMessages.TTL, new MdnsCodec.Txt(TxtRecords.dnsaddrs(addrs)))), List.of())));
            }
        }
        InetAddress self = InetAddress.getByName(on);
        try (MulticastSocket s = new MulticastSocket(new InetSocketAddress(self, 0))) {
            s.setNetworkInterface(NetworkInterface.getByInetAddress(self));
            s.setTimeToLive(255);
            InetSocketAddress group = new InetSocketAddress(MdnsDiscovery.GROUP4, MdnsEngine.MDNS_PORT);
            long end = System.currentTimeMillis() + duration;
            while (System.currentTimeMillis() < end) {
                for (byte[] d : datagrams) s.send(new DatagramPacket(d, d.length, group));
                out("SPOOFED " + System.currentTimeMillis() + " " + datagrams.size());
                Thread.sleep(every);
            }
        }
        System.exit(0);
    }

    private static void sink(int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port), 256);
        Thread t = new Thread(() -> {
            while (true) {
                try (Socket c = server.accept()) {
                    out("CONN " + c.getLocalAddress().getHostAddress() + ":" + c.getLocalPort() + " " + c.getRemoteSocketAddress());
                } catch (IOException e) {
                    return;
                }
            }
        }, "sink-" + port);
        t.setDaemon(true);
        t.start();
    }

    private static synchronized void out(String s) {
        System.out.println(s);
        System.out.flush();
    }
}
