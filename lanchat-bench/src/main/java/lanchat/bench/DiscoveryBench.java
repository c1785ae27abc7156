package lanchat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Discovery and fan-out, measured with real {@code java -p mods -m lanchat.app --rendezvous} processes, each in a
 * network namespace of its own, all joined by veth pairs to one bridge that lives in a hub namespace the bench creates
 * (10.77.200.0/24): mDNS never touches this host's own interfaces. Needs root and {@code ip}; every namespace is removed
 * afterwards (also by a shutdown hook).
 *
 * <ul>
 *   <li>join: node B starts while node A is in the room; time from B's process start (and from its {@code Listening
 *       on} line) until both print {@code ✓ mDNS connected to} the other;</li>
 *   <li>fan-out: in a room of N nodes, one node sends a line; time until the last of the others prints it.</li>
 * </ul>
 */
final class DiscoveryBench implements AutoCloseable {
    record Join(double fromStartSecs, double fromListeningSecs) {}

    record Result(List<Join> joins, List<Double> fanoutMillis, double meshSecs, int meshNodes) {}

    private final String prefix = "lcb" + ProcessHandle.current().pid() % 10000;
    private final Path mods;
    private final Path repo;
    private final Path work;
    private final List<String> namespaces = new ArrayList<>();
    private final Thread cleanup = new Thread(this::removeNamespaces);
    private int next = 1;

    DiscoveryBench(Path repo, Path mods, Path work) {
        this.repo = repo;
        this.mods = mods;
        this.work = work;
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** {@code java -cp … lanchat.bench.DiscoveryBench [runs] [nodes]}, from the repository root after a build. */
    public static void main(String[] args) throws Exception {
        Optional<String> why = unavailable();
        if (why.isPresent()) {
            System.err.println("discovery bench: " + why.get());
            System.exit(2);
        }
        Path repo = Path.of("").toAbsolutePath();
        try (DiscoveryBench b = new DiscoveryBench(repo, repo.resolve("mods"), Files.createTempDirectory("lanchat-discovery"))) {
            Result r = b.run(args.length > 0 ? Integer.parseInt(args[0]) : 3, args.length > 1 ? Integer.parseInt(args[1]) : 4, 10);
            System.out.println(r);
        } finally {
            Proc.stopAll();
        }
    }

    /** Why it cannot run here, or empty. */
    static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) return Optional.of("needs root for network namespaces");
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) return Optional.of("needs iproute2");
        return Optional.empty();
    }

    Result run(int joinRuns, int fanoutNodes, int messages) throws Exception {
        String hub = prefix + "h";
        sh("ip", "netns", "add", hub);
        namespaces.add(hub);
        sh("ip", "-n", hub, "link", "add", "br0", "type", "bridge");
        sh("ip", "-n", hub, "link", "set", "br0", "up");

        List<Join> joins = new ArrayList<>();
        for (int i = 0; i < joinRuns; i++) {
            String room = "bench-join-" + i;
            try (Node a = node(hub, room); Node b = node(hub, room)) {
                a.start();
                a.listening();
                b.start();
                long bListening = b.listening();
                long aSees = a.connectedTo(b.id);
                long bSees = b.connectedTo(a.id);
                long both = Math.max(aSees, bSees);
                joins.add(new Join((both - b.proc.startedNanos) / 1e9, (both - bListening) / 1e9));
            }
        }

        List<Double> fanout = new ArrayList<>();
        String room = "bench-fanout";
        List<Node> nodes = new ArrayList<>();
        double mesh;
        try {
            for (int i = 0; i < fanoutNodes; i++) nodes.add(node(hub, room));
            for (Node n : nodes) n.start();
            for (Node n : nodes) n.listening();
            long lastStart = nodes.get(nodes.size() - 1).proc.startedNanos;
            long meshDone = 0;
            for (Node n : nodes) for (Node o : nodes) if (n != o) meshDone = Math.max(meshDone, n.connectedTo(o.id));
            mesh = (meshDone - lastStart) / 1e9;
            Node sender = nodes.get(0);
            for (int m = 0; m < messages; m++) {
                String text = "fanout-" + m + "-" + System.nanoTime();
                long t0 = System.nanoTime();
                sender.send(text);
                long last = 0;
                for (Node n : nodes) {
                    if (n == sender) continue;
                    last = Math.max(last, n.proc.find(l -> l.endsWith(": " + text), 10_000).orElseThrow(() -> new IOException(n.name + " never got " + text)).nanos());
                }
                fanout.add((last - t0) / 1e6);
                Thread.sleep(50);
            }
        } finally {
            nodes.forEach(Node::close);
        }
        return new Result(joins, fanout, mesh, fanoutNodes);
    }

    private Node node(String hub, String room) throws Exception {
        int i = next++;
        String ns = prefix + "n" + i, veth = prefix + "v" + i, peer = prefix + "b" + i;
        sh("ip", "netns", "add", ns);
        namespaces.add(ns);
        sh("ip", "link", "add", veth, "netns", ns, "type", "veth", "peer", "name", peer, "netns", hub);
        sh("ip", "-n", hub, "link", "set", peer, "master", "br0", "up");
        sh("ip", "-n", ns, "addr", "add", "10.77.200." + (i % 250 + 2) + "/24", "dev", veth);
        sh("ip", "-n", ns, "link", "set", veth, "up");
        sh("ip", "-n", ns, "link", "set", "lo", "up");
        return new Node("room-node" + i, ns, room);
    }

    private final class Node implements AutoCloseable {
        final String name, ns, room;
        Proc proc;
        String id;

        Node(String name, String ns, String room) {
            this.name = name;
            this.ns = ns;
            this.room = room;
        }

        void start() throws IOException {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(LauncherFlags.read(repo)); // nodes run as the launcher runs them
            cmd.addAll(List.of("-p", mods.toString(), "-m", "lanchat.app", "--rendezvous", room, "--nick", name, "-port", "4001"));
            proc = Proc.start(name, cmd, repo, work.resolve("discovery"));
        }

        long listening() throws Exception {
            Proc.Line l = proc.find(s -> s.startsWith("Listening on /ip4/10.77.200."), 30_000).orElseThrow(() -> new IOException(name + " did not listen"));
            id = l.text().substring(l.text().lastIndexOf('/') + 1);
            return l.nanos();
        }

        long connectedTo(String other) throws Exception {
            return proc.find(s -> s.equals("✓ mDNS connected to " + other), 20_000).map(Proc.Line::nanos)
                    .orElseThrow(() -> new IOException(name + " never connected to " + other));
        }

        void send(String text) throws IOException {
            proc.send(text);
        }

        @Override
        public void close() {
            if (proc != null) proc.close();
        }
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": " + out.trim());
    }

    private void removeNamespaces() {
        for (String ns : namespaces) {
            try {
                sh("ip", "netns", "del", ns);
            } catch (IOException | InterruptedException ignored) {
                // already gone
            }
        }
        namespaces.clear();
    }

    @Override
    public void close() {
        removeNamespaces();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
