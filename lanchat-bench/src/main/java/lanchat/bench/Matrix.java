package lanchat.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end matrix over 127.0.0.1: one echo server at a time, each client of {@link #CLIENTS} against it in turn,
 * every client a separate process that prints BENCH lines. Results are filed as {@code "client>server/kind"}.
 */
final class Matrix {
    /** Which clients run against which server, by implementation id. */
    private static final Map<String, List<String>> CLIENTS = new LinkedHashMap<>();

    static {
        CLIENTS.put("tcp", List.of("tcp"));
        // security per pair: libp2p and go offer TLS first (so they meet on TLS); go-noise and js speak Noise only, so
        // LAN Chat meets them on Noise (after their "na" to TLS); libp2p-noise is LAN Chat with Noise only
        CLIENTS.put("libp2p", List.of("libp2p", "go", "go-noise", "js"));
        CLIENTS.put("libp2p-noise", List.of("libp2p-noise"));
        CLIENTS.put("netty", List.of("netty"));
        CLIENTS.put("libp2p-newjdk", List.of("libp2p-newjdk"));
        CLIENTS.put("go", List.of("go", "libp2p"));
        CLIENTS.put("go-noise", List.of("go-noise"));
        CLIENTS.put("js", List.of("js", "libp2p"));
        // with a room key (issue 15), and the resource manager's overhead (issue 13): see ResultTable.KEY_AND_LIMITS
        CLIENTS.put("libp2p-psk", List.of("libp2p-psk", "go-psk"));
        CLIENTS.put("go-psk", List.of("go-psk"));
        CLIENTS.put("libp2p-unlimited", List.of("libp2p-unlimited"));
    }

    private final RunContext ctx;
    private final Plan plan;
    private final Implementations impls;
    private final List<String> notes;
    /** Only these "client>server" pairs ({@code --pairs}); empty: every pair, and the inline-callback rows */
    private final List<String> pairs;
    /** "client>server/kind" → result, in the order measured */
    private final Map<String, BenchResult> results = new LinkedHashMap<>();

    Matrix(RunContext ctx, Implementations impls, List<String> notes, List<String> pairs) {
        this.ctx = ctx;
        this.pairs = pairs;
        this.plan = ctx.plan();
        this.impls = impls;
        this.notes = notes;
    }

    /** What was measured so far (also after a failure part way). */
    Map<String, BenchResult> results() {
        return results;
    }

    void run() throws Exception {
        for (var e : CLIENTS.entrySet()) {
            Impl server = impls.get(e.getKey());
            List<String> clients = e.getValue().stream().filter(c -> pairs.isEmpty() || pairs.contains(c + ">" + server.id())).toList();
            if (!server.available() || clients.isEmpty()) continue;
            if (ctx.overBudget()) {
                notes.add("matrix stopped before the " + server.label() + " server: time budget used up");
                break;
            }
            int serverTimeout = plan.clientTimeout() * 3 * clients.size() + 60;
            List<String> serverCmd = Commands.concat(server.cmd(), "-bench", "echo", "-timeout", String.valueOf(serverTimeout));
            if (clients.stream().anyMatch(c -> runsAggregate(c, server.id()))) serverCmd = Commands.concat(serverCmd, aggregateLimits(plan.aggConns(), true).toArray(String[]::new));
            try (Proc srv = ctx.start(server.id() + "-server", serverCmd)) {
                Optional<String> addr = srv.awaitListenAddress(30_000);
                if (addr.isEmpty()) {
                    notes.add(server.label() + " echo server did not start (see " + ctx.logDir() + "/" + server.id() + "-server.err)");
                    continue;
                }
                for (String clientId : clients) {
                    Impl client = impls.get(clientId);
                    if (client.available()) runClient(client, server, addr.get());
                }
            }
        }
        if (pairs.isEmpty()) runInlineRoundTrips();
    }

    /** Every measurement of one client against one server. */
    private void runClient(Impl client, Impl server, String addr) throws Exception {
        String clientId = client.id();
        String pair = clientId + ">" + server.id();
        client(pair, client, addr, "rtt,throughput", plan.rttWarmup(), plan.rttCount(), false);
        if (!server.id().equals("tcp") && !server.id().equals("libp2p-newjdk")) client(pair, client, addr, "ping", plan.pingWarmup(), plan.pingCount(), false);
        // quick mode leaves the newer JDK's setup out: --full runs found it within noise of JDK 17's
        if (plan.isFull() || !server.id().equals("libp2p-newjdk")) client(pair, client, addr, "setup", plan.setupWarmup(), plan.setupCount(), false);
        if (runsAggregate(clientId, server.id())) client(pair, client, addr, "aggregate", 0, 1, false);
        // 100 streams on one connection: only go and js can open them (LAN Chat's SPI has one chat stream per session)
        if ((clientId.equals("go") || clientId.equals("js")) && (server.id().equals(clientId) || server.id().equals("libp2p"))) {
            client(pair, client, addr, "streams", 0, 1, false);
        }
    }

    /** Whether the pair has the 100-connection aggregate row: each implementation of ours against itself. */
    private static boolean runsAggregate(String clientId, String serverId) {
        return clientId.equals(serverId) && List.of("tcp", "libp2p", "libp2p-noise", "netty").contains(clientId);
    }

    /**
     * The limits the aggregate row lifts (as {@code -limit} flags), and no others: its {@code conns} connections come
     * from one host and one identity, all dialed at once. The server's pass the per-address handshake cap
     * ({@code transient.perIp}, 8), the handshake scope ({@code transient.inboundConns}, 32) and the per-peer cap
     * ({@code peer.inboundConns}, 4); the client's the same scopes outbound. On both: the handshakes' memory
     * ({@code transient.memory}, 4 MiB: 64 KiB and, with a room key, 8 KiB more each), and, since all the connections
     * are one peer's, that peer's streams and the 256 KiB window each reserves (up to
     * {@link #AGGREGATE_STREAMS_PER_CONN} a connection: chat, identify and ping both ways), so {@code peer.*Streams},
     * {@code peer.memory} and the node's {@code system.memory} above them (without those a run failed now and then:
     * "no room for another stream on this connection"). The raw TCP pair ignores them.
     */
    static List<String> aggregateLimits(int conns, boolean server) {
        long streams = (long) conns * AGGREGATE_STREAMS_PER_CONN;
        long windows = streams * 256;
        List<String> kvs = new java.util.ArrayList<>(server
                ? List.of("transient.perIp=" + conns, "transient.inboundConns=" + conns, "peer.inboundConns=" + conns)
                : List.of("transient.outboundConns=" + conns, "peer.outboundConns=" + conns));
        kvs.addAll(List.of("transient.memory=" + conns * 80 + "KiB", "peer.inboundStreams=" + streams, "peer.outboundStreams=" + streams,
                "peer.memory=" + windows + "KiB", "system.memory=" + (windows + 64 * 1024) + "KiB"));
        List<String> flags = new java.util.ArrayList<>();
        for (String kv : kvs) {
            flags.add("-limit");
            flags.add(kv);
        }
        return flags;
    }

    /** Streams one bench connection may hold at once, both directions together: chat, identify and ping both ways. */
    static final int AGGREGATE_STREAMS_PER_CONN = 6;

    /** LAN Chat's round trip once more with the SPI's callbacks on the I/O thread at both ends (kind "rtt_inline"; netty in --full). */
    private void runInlineRoundTrips() throws Exception {
        for (String id : plan.isFull() ? List.of("libp2p", "netty") : List.of("libp2p")) {
            Impl impl = impls.get(id);
            if (!impl.available() || ctx.overBudget()) continue;
            try (Proc srv = ctx.start(id + "-inline-server", Commands.concat(impl.cmd(), "-bench", "echo", "-callbacks", "inline", "-timeout",
                    String.valueOf(plan.clientTimeout() * 2 + 60)))) {
                Optional<String> addr = srv.awaitListenAddress(30_000);
                if (addr.isEmpty()) {
                    notes.add(impl.label() + " inline-callback echo server did not start");
                    continue;
                }
                client(id + ">" + id, impl, addr.get(), "rtt", plan.rttWarmup(), plan.rttCount(), true);
            }
        }
    }

    /**
     * One client process for {@code modes} (comma-separated); a mode without a BENCH line is filed as an error.
     * {@code inline}: the client's SPI callbacks run on the I/O thread; its results are filed as {@code <kind>_inline}.
     */
    private void client(String pair, Impl client, String addr, String modes, int warmup, int count, boolean inline) throws Exception {
        String name = pair.replace('>', '_') + "-" + modes.replace(',', '+') + (inline ? "-inline" : "");
        boolean agg = modes.equals("aggregate") || modes.equals("streams");
        List<String> cmd = Commands.concat(client.cmd(), "-bench", modes, "-dial", addr, "-count", String.valueOf(count), "-warmup", String.valueOf(warmup),
                "-bytes", String.valueOf(agg ? plan.aggBytes() : plan.tpBytes()), "-warmup-bytes", String.valueOf(agg ? plan.aggWarmup() : plan.tpWarmup()),
                "-timeout", String.valueOf(plan.clientTimeout()));
        if (modes.equals("aggregate")) {
            cmd.addAll(List.of("-conns", String.valueOf(plan.aggConns())));
            cmd.addAll(aggregateLimits(plan.aggConns(), false));
        }
        if (modes.equals("streams")) cmd.addAll(List.of("-streams", String.valueOf(plan.aggConns())));
        if (inline) cmd.addAll(List.of("-callbacks", "inline"));
        String suffix = inline ? "_inline" : "";
        long t0 = System.nanoTime();
        try (Proc p = ctx.start(name, cmd)) {
            List<BenchResult> rs = p.results(TimeUnit.SECONDS.toMillis(plan.clientTimeout() + 20));
            for (BenchResult r : rs) {
                results.put(pair + "/" + r.kind() + suffix, r);
                Progress.say(String.format(Locale.ROOT, "  %-14s %-10s %s", pair, r.kind() + suffix, r.fields()));
            }
            for (String m : modes.split(",")) {
                if (!results.containsKey(pair + "/" + m + suffix)) {
                    results.put(pair + "/" + m + suffix, new BenchResult(m, Map.of("error", "no_result_line_(exit_" + (p.process.isAlive() ? "?" : p.process.exitValue()) + ")")));
                }
            }
        }
        Progress.say(String.format(Locale.ROOT, "  %-14s %-22s %.1f s", pair, modes, (System.nanoTime() - t0) / 1e9));
    }
}
