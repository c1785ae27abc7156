package lanchat.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import lanchat.api.Multiaddr;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Transport;

/**
 * The Java bench peer, with the same flags and stdout contract as the interop peers' {@code -bench} mode
 * (interop/README.md):
 *
 * <pre>
 * BenchPeer -transport libp2p|netty|tcp -bench echo [-listen /ip4/IP/tcp/0] → LISTEN &lt;addr&gt;, PEERID &lt;id&gt;, then serves
 *                                                                       (on 127.0.0.1 unless -listen says where)
 * BenchPeer -transport … -bench rtt,ping,throughput,setup -dial &lt;addr&gt;     → one BENCH line per mode, then exits
 * BenchPeer -transport … -bench aggregate -conns 100 -dial &lt;addr&gt;          → BENCH aggregate …
 * BenchPeer -transport … -bench hold -conns 50 -dial &lt;addr&gt;               → 50 nodes (identities) connected to one peer,
 *                                                                       BENCH hold connected=50, held until stdin closes
 * </pre>
 *
 * {@code tcp} is the raw-socket baseline (no security, no muxer). Every run is bounded by {@code -timeout} seconds.
 * {@code -psk FILE} joins the private network of a swarm key file (a room key); {@code -Dlanchat.bench.limits=unlimited}
 * lifts every resource limit far above the run's needs ({@link SpiClient#limits()}); {@code -limit NAME=VALUE}
 * (repeatable, the names of the app's {@code --limit}) changes one, as the suite does for the rows that need it
 * ({@link Matrix#aggregateLimits}).
 */
public final class BenchPeer {
    private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);

    record Args(String transport, List<String> modes, String dial, int count, int warmup, long bytes, long warmupBytes,
                int conns, int timeoutSecs, boolean inlineCallbacks, PreSharedKey psk, Map<String, String> limits, Multiaddr listen) {}

    public static void main(String[] argv) throws Exception {
        Args a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: BenchPeer -transport libp2p|netty|tcp -bench echo|rtt,ping,throughput,setup|aggregate|hold "
                    + "[-dial ADDR] [-listen MULTIADDR] [-count N] [-warmup N] [-bytes B] [-warmup-bytes B] [-conns C] [-timeout S] [-callbacks thread|inline] [-psk SWARM_KEY_FILE] [-limit NAME=VALUE]...");
            System.exit(2);
            return;
        }
        Deadline deadline = new Deadline(a.timeoutSecs);
        if (a.modes.equals(List.of("echo"))) {
            serve(a, deadline);
            return;
        }
        if (a.dial == null) throw new IllegalArgumentException("-dial is required for " + a.modes);
        if (a.modes.equals(List.of("hold"))) {
            hold(a, deadline);
            System.exit(0);
        }
        if (a.transport.equals("tcp")) runTcp(a);
        else runSpi(a, deadline);
        System.exit(0); // transports' threads are daemons, but do not wait for anything
    }

    static Args parse(String[] argv) {
        String transport = "libp2p", bench = null, dial = null, callbacks = "thread", psk = null, listen = "/ip4/127.0.0.1/tcp/0";
        int count = 10_000, warmup = 1_000, conns = 100, timeout = 120;
        long bytes = 1L << 30, warmupBytes = 64L << 20;
        Map<String, String> limits = new java.util.LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String f = argv[i].replaceFirst("^--", "-");
            if (i + 1 >= argv.length) throw new IllegalArgumentException("flag " + f + " needs a value");
            String v = argv[++i];
            switch (f) {
                case "-transport" -> transport = v;
                case "-bench" -> bench = v;
                case "-dial" -> dial = v;
                case "-listen" -> listen = v;
                case "-count" -> count = Integer.parseInt(v);
                case "-warmup" -> warmup = Integer.parseInt(v);
                case "-bytes" -> bytes = Long.parseLong(v);
                case "-warmup-bytes" -> warmupBytes = Long.parseLong(v);
                case "-conns" -> conns = Integer.parseInt(v);
                case "-timeout" -> timeout = Integer.parseInt(v);
                case "-callbacks" -> callbacks = v;
                case "-psk" -> psk = v;
                case "-limit" -> {
                    int eq = v.indexOf('=');
                    if (eq < 1) throw new IllegalArgumentException("-limit takes NAME=VALUE, not " + v);
                    limits.put(v.substring(0, eq), v.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown flag " + f);
            }
        }
        if (bench == null) throw new IllegalArgumentException("-bench is required");
        if (count < 1 || warmup < 0 || conns < 1 || timeout < 1 || bytes < 1) throw new IllegalArgumentException("counts must be positive");
        if (!callbacks.equals("thread") && !callbacks.equals("inline")) throw new IllegalArgumentException("-callbacks is thread or inline");
        PreSharedKey key = null;
        if (psk != null) {
            try {
                key = PreSharedKey.parse(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(psk)));
            } catch (IOException e) {
                throw new IllegalArgumentException("-psk " + psk + ": " + e.getMessage());
            }
        }
        lanchat.api.resource.ResourceLimits.DEFAULTS.with(limits); // an unknown name or bad value: the usage error now
        return new Args(transport, List.of(bench.split(",")), dial, count, warmup, bytes, warmupBytes, conns, timeout, callbacks.equals("inline"), key, Map.copyOf(limits), Multiaddr.parse(listen));
    }

    // ---- server ----

    private static void serve(Args a, Deadline deadline) throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        if (a.transport.equals("tcp")) {
            ServerSocket ss = RawTcp.listen();
            OUT.println("LISTEN /ip4/127.0.0.1/tcp/" + ss.getLocalPort());
            OUT.println("PEERID -");
            stop.await(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
            ss.close();
            return;
        }
        Executor callbacks = SpiClient.callbacks(a.inlineCallbacks);
        Transport t = SpiClient.create(a.transport, callbacks, a.psk, a.limits);
        t.onInbound(SpiEcho::serve);
        List<Multiaddr> addrs = deadline.await(t.listen(a.listen).toCompletableFuture());
        for (Multiaddr m : addrs) OUT.println("LISTEN " + m);
        OUT.println("PEERID " + addrs.get(0).peerId().orElseThrow());
        stop.await(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
        t.close();
        SpiClient.shutdown(callbacks);
    }

    // ---- clients ----

    private static void runTcp(Args a) {
        InetSocketAddress addr = Multiaddr.parse(a.dial).toTcpSocketAddress();
        for (String mode : a.modes) {
            try {
                String fields = switch (mode) {
                    case "rtt" -> RawTcp.rtt(addr, a.warmup, a.count);
                    case "throughput" -> RawTcp.throughput(addr, a.warmupBytes, a.bytes);
                    case "setup" -> RawTcp.setup(addr, a.warmup, a.count);
                    case "aggregate" -> RawTcp.aggregate(addr, a.conns, a.warmupBytes, a.bytes);
                    default -> "error=unsupported_by_raw_tcp";
                };
                OUT.println("BENCH " + mode + " " + fields);
            } catch (Exception e) {
                OUT.println("BENCH " + mode + " error=" + BenchResult.token(e.toString()));
            }
        }
    }

    private static void runSpi(Args a, Deadline deadline) {
        Multiaddr addr = Multiaddr.parse(a.dial);
        try (SpiClient client = new SpiClient(a.transport, deadline, a.inlineCallbacks, a.psk, a.limits)) {
            SpiClient.Conn conn = null;
            for (String mode : a.modes) {
                try {
                    if (conn == null && (mode.equals("rtt") || mode.equals("throughput"))) conn = client.connect(addr);
                    String fields = switch (mode) {
                        case "rtt" -> client.rtt(conn, a.warmup, a.count);
                        case "ping" -> client.ping(addr, a.warmup, a.count);
                        case "throughput" -> client.throughput(conn, a.warmupBytes, a.bytes);
                        case "setup" -> client.setup(addr, a.warmup, a.count);
                        case "aggregate" -> client.aggregate(addr, a.conns, a.warmupBytes, a.bytes);
                        default -> "error=unknown_mode";
                    };
                    OUT.println("BENCH " + mode + " " + fields);
                } catch (Exception e) {
                    OUT.println("BENCH " + mode + " error=" + BenchResult.token(e.toString()));
                }
            }
            if (conn != null) conn.session().close();
        }
    }

    /**
     * Handshakes the hold mode keeps in flight at once. Its nodes all dial from 127.0.0.1, and the node under test
     * keeps its default per-address handshake cap ({@code transient.perIp}, 8; issue 13): 50 dials at once were
     * refused past the eighth ("connection closed during the libp2p handshake") and the row measured nothing. In
     * waves below the cap, like peers that come and go over a minute, the node's limits stay the user's defaults
     * except the count of established connections from one address, which the suite lifts.
     */
    static final int HOLD_HANDSHAKES_IN_FLIGHT = 4;

    /** {@code conns} separate nodes (own identity, own transport) connected to {@code -dial}, held until stdin closes. */
    private static void hold(Args a, Deadline deadline) throws Exception {
        List<Transport> nodes = new ArrayList<>();
        List<ExecutorService> executors = new ArrayList<>();
        try {
            Multiaddr addr = Multiaddr.parse(a.dial);
            int ok = 0;
            while (ok < a.conns) {
                List<java.util.concurrent.CompletableFuture<ChatSession>> wave = new ArrayList<>();
                for (int i = 0; i < Math.min(HOLD_HANDSHAKES_IN_FLIGHT, a.conns - ok); i++) {
                    ExecutorService cb = Executors.newSingleThreadExecutor(SpiClient.daemon("hold-callbacks"));
                    executors.add(cb);
                    Transport t = SpiClient.create(a.transport, cb, a.psk, a.limits);
                    nodes.add(t);
                    wave.add(t.dial(addr).toCompletableFuture());
                }
                for (var d : wave) {
                    ChatSession s = deadline.await(d);
                    s.setListener(new SpiClient.Lines());
                    s.send(SpiClient.msg("hello from bench node " + ok));
                    ok++;
                }
            }
            OUT.println("BENCH hold connected=" + ok);
            Thread stdin = new Thread(() -> {
                try {
                    System.in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // closed
                }
            });
            stdin.setDaemon(true);
            stdin.start();
            stdin.join(deadline.remainingMillis() + 1);
        } catch (Exception e) {
            OUT.println("BENCH hold error=" + BenchResult.token(e.toString()));
        } finally {
            nodes.parallelStream().forEach(Transport::close);
            executors.forEach(ExecutorService::shutdownNow);
        }
    }
}
