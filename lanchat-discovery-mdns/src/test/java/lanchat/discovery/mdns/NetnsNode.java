package lanchat.discovery.mdns;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.spi.DiscoveryConfig;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.api.spi.DiscoveryEvent.PeerFound;
import lanchat.api.spi.Plugins;

/**
 * A discovery node for the network-namespace tests, run as {@code ip netns exec <ns> java -cp … NetnsNode …} (a JVM
 * cannot move one thread into another namespace). Prints one line per event on stdout, with wall-clock milliseconds:
 * <pre>
 *   SELF &lt;peer&gt; &lt;instance&gt;
 *   READY &lt;ms&gt;
 *   FOUND &lt;ms&gt; &lt;peer&gt; &lt;addr&gt;,&lt;addr&gt;…
 *   LOST &lt;ms&gt; &lt;peer&gt;
 *   PKT &lt;ms&gt; &lt;sender&gt; &lt;hex&gt;        (with --tap: every datagram from another host)
 *   CLOSED &lt;ms taken by close()&gt;
 * </pre>
 * A line {@code close} on stdin (or its end) closes the discovery and exits.
 *
 * <p>Arguments: {@code --room R}, {@code --listen MULTIADDR} (repeatable), {@code --opt key=value} (repeatable),
 * {@code --tap}.
 */
public final class NetnsNode {
    private NetnsNode() {}

    public static void main(String[] args) throws Exception {
        String room = null;
        List<Multiaddr> listen = new ArrayList<>();
        Map<String, String> opts = new LinkedHashMap<>();
        boolean tap = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--room" -> room = args[++i];
                case "--listen" -> listen.add(Multiaddr.parse(args[++i]));
                case "--opt" -> {
                    String[] kv = args[++i].split("=", 2);
                    opts.put(kv[0], kv[1]);
                }
                case "--tap" -> tap = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Identity id = Identity.generate();
        ExecutorService callbacks = Executors.newSingleThreadExecutor();
        MdnsDiscovery d = (MdnsDiscovery) Plugins.installed().discovery("mdns").create(new DiscoveryConfig(id.peerId(), room, callbacks, opts));
        out("SELF " + id.peerId() + " " + d.names().instance);
        if (tap) {
            java.util.Set<java.net.InetAddress> mine = NetIf.allAddresses(NetIf.snapshot());
            d.tap((bytes, sender) -> {
                if (!mine.contains(NetIf.stripScope(sender.getAddress()))) out("PKT " + System.currentTimeMillis() + " " + sender + " " + HexFormat.of().formatHex(bytes));
            });
        }
        List<Multiaddr> adv = listen.stream().map(m -> m.withPeerId(id.peerId())).toList();
        d.start(adv, e -> out(line(e)));
        out("READY " + System.currentTimeMillis());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String l; (l = in.readLine()) != null; ) if (l.trim().equals("close")) break;
        long t0 = System.nanoTime();
        d.close();
        out("CLOSED " + (System.nanoTime() - t0) / 1_000_000);
        callbacks.shutdown();
        System.exit(0);
    }

    private static String line(DiscoveryEvent e) {
        long now = System.currentTimeMillis();
        if (e instanceof PeerFound f) return "FOUND " + now + " " + f.peer() + " " + f.addresses().stream().map(Multiaddr::toString).collect(Collectors.joining(","));
        return "LOST " + now + " " + e.peer();
    }

    private static synchronized void out(String s) {
        System.out.println(s);
        System.out.flush();
    }
}
