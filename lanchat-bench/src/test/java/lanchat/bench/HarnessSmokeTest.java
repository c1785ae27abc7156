package lanchat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.Executor;

import lanchat.api.Multiaddr;
import lanchat.api.spi.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seconds-long smoke test of the bench harness (tiny counts; no benchmark runs in the test suite): statistics, the
 * BENCH line format, and each client mode once against an in-JVM echo server over 127.0.0.1.
 */
@Timeout(60)
class HarnessSmokeTest {
    @Test
    void percentilesAreNearestRank() {
        long[] ns = new long[100];
        for (int i = 0; i < 100; i++) ns[i] = (100 - i) * 1000L; // 100 µs … 1 µs, unsorted
        Stats s = new Stats(ns, 100);
        assertEquals(50_000, s.percentile(0.50));
        assertEquals(99_000, s.percentile(0.99));
        assertEquals(100_000, s.max());
        assertEquals(1_000, new Stats(new long[] {1_000}, 1).percentile(0.99));
        assertTrue(s.fields().startsWith("p50_us=50.0 p99_us=99.0 max_us=100.0 "), s.fields());
    }

    @Test
    void benchLinesParse() {
        BenchResult r = BenchResult.parse("BENCH throughput mb_s=812.4 bytes=1073741824 secs=1.322 write=65536").orElseThrow();
        assertEquals("throughput", r.kind());
        assertEquals(812.4, r.num("mb_s"));
        assertTrue(r.ok());
        assertTrue(!BenchResult.parse("BENCH setup error=" + BenchResult.token("dial refused: x")).orElseThrow().ok());
        assertTrue(BenchResult.parse("LISTEN /ip4/127.0.0.1/tcp/1").isEmpty());
        assertEquals(65_536, BenchProtocol.dataBytes().length);
        assertEquals(65_535, BenchProtocol.dataText().length());
        assertEquals(32, BenchProtocol.echoLine(7).length());
    }

    @Test
    void everyModeRunsOverLibp2pAndNetty() throws Exception {
        for (String name : List.of("libp2p", "netty")) for (boolean inline : new boolean[] {false, true}) {
            Executor callbacks = SpiClient.callbacks(inline);
            Transport server = SpiClient.create(name, callbacks);
            try (SpiClient client = new SpiClient(name, new Deadline(30), inline)) {
                server.onInbound(SpiEcho::serve);
                Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).toCompletableFuture().get().get(0);
                SpiClient.Conn c = client.connect(addr);
                assertTrue(client.rtt(c, 5, 20).contains("n=20"), name);
                assertTrue(client.throughput(c, 64 * 1024, 1 << 20).startsWith("mb_s="), name);
                assertTrue(client.ping(addr, 1, 3).contains("n=3"), name);
                assertTrue(client.setup(addr, 1, 2).contains("n=2"), name);
                assertTrue(client.aggregate(addr, 3, 3 * 64 * 1024, 6 * 64 * 1024).contains("conns=3"), name);
                c.session().close();
            } finally {
                server.close();
                SpiClient.shutdown(callbacks);
            }
        }
    }

    /**
     * The 100-connection aggregate row (review of issue 13): its connections come from one host and one identity at
     * once, past the default per-address, handshake and per-peer caps; with the {@code -limit} flags the suite gives
     * its server and client (parsed as BenchPeer parses them) all 100 connect and carry their share. Tiny byte counts.
     */
    @Test
    void theAggregateRowsHundredConnectionsConnectWithTheLimitsItLifts() throws Exception {
        int conns = Plan.QUICK.aggConns();
        for (String name : List.of("libp2p", "netty")) {
            Executor callbacks = SpiClient.callbacks(false);
            Transport server = SpiClient.create(name, callbacks, null, limits(Matrix.aggregateLimits(conns, true)));
            try (SpiClient client = new SpiClient(name, new Deadline(30), false, null, limits(Matrix.aggregateLimits(conns, false)))) {
                server.onInbound(SpiEcho::serve);
                Multiaddr addr = server.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).toCompletableFuture().get().get(0);
                String result = client.aggregate(addr, conns, conns * 64L * 1024, conns * 64L * 1024);
                assertTrue(result.contains("conns=" + conns), name + ": " + result);
            } finally {
                server.close();
                SpiClient.shutdown(callbacks);
            }
        }
    }

    /** {@code -limit} flags as BenchPeer reads them. */
    private static java.util.Map<String, String> limits(List<String> flags) {
        List<String> argv = new java.util.ArrayList<>(List.of("-bench", "echo"));
        argv.addAll(flags);
        return BenchPeer.parse(argv.toArray(String[]::new)).limits();
    }

    @Test
    void rawTcpBaselineRuns() throws Exception {
        try (ServerSocket ss = RawTcp.listen()) {
            InetSocketAddress addr = new InetSocketAddress("127.0.0.1", ss.getLocalPort());
            assertTrue(RawTcp.rtt(addr, 5, 20).contains("n=20"));
            assertTrue(RawTcp.throughput(addr, 64 * 1024, 1 << 20).startsWith("mb_s="));
            assertTrue(RawTcp.setup(addr, 1, 3).contains("n=3"));
            assertTrue(RawTcp.aggregate(addr, 3, 0, 6 * 64 * 1024).contains("conns=3"));
        }
    }
}
