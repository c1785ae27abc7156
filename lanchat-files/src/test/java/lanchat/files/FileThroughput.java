package lanchat.files;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Plugins;
import lanchat.api.testkit.TransportHarness;

/**
 * A measurement, not a test (no assertion on time): one file over 127.0.0.1 through each transport, against a plain
 * TCP copy of the same file in the same run, and the chat round trip ({@code ChatSession.ping}) idle and while the
 * transfer runs. Run by hand: {@code java -cp <test classpath> lanchat.files.FileThroughput [MiB]}; the figures go to
 * lanchat-files/README.md.
 */
public final class FileThroughput {
    static FileLimits limits;

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        limits = args.length > 1 ? FileLimits.DEFAULTS.with("file.chunkSize", args[1]) : FileLimits.DEFAULTS;
        Path tmp = Files.createTempDirectory("lanchat-files-bench");
        Path src = tmp.resolve("src.bin");
        byte[] block = new byte[1 << 20];
        new java.util.Random(1).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(src)) {
            for (int i = 0; i < mib; i++) out.write(block);
        }
        System.out.printf(Locale.ROOT, "file %d MiB; raw TCP %.0f MB/s%n", mib, rawTcp(src));
        for (String transport : List.of(System.getProperty("transports", "libp2p,netty").split(","))) {
            for (int run = 0; run < 2; run++) measure(transport, src, tmp.resolve(transport + run), run == 0 ? "warm-up" : "measured");
        }
        System.out.printf(Locale.ROOT, "raw TCP again %.0f MB/s%n", rawTcp(src));
    }

    static double rawTcp(Path src) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread sink = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (Exception ignored) {
                    // measured on the sending side
                }
            });
            sink.start();
            long t0 = System.nanoTime();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()); InputStream in = Files.newInputStream(src)) {
                in.transferTo(s.getOutputStream());
            }
            sink.join();
            return Files.size(src) / ((System.nanoTime() - t0) / 1e9) / 1e6;
        }
    }

    static void measure(String transport, Path src, Path downloads, String label) throws Exception {
        try (TransportHarness h = new TransportHarness(Plugins.installed().transport(transport), Map.of())) {
            Map<PeerId, ChatSession> sa = new ConcurrentHashMap<>(), sb = new ConcurrentHashMap<>();
            FileEvents quiet = new FileEvents() {
                @Override public void offered(Transfer t) {}
                @Override public void changed(Transfer t) {}
                @Override public void info(String line) {}
            };
            TransportHarness.Node a = h.node(), b = h.node();
            try (FileService fa = new FileService(new FileConfig(downloads.resolve("a"), limits, false), p -> Optional.ofNullable(sa.get(p)), quiet);
                 FileService fb = new FileService(new FileConfig(downloads.resolve("b"), FileLimits.DEFAULTS, true), p -> Optional.ofNullable(sb.get(p)), quiet)) {
                a.transport.registerProtocol(fa.protocolHandler());
                b.transport.registerProtocol(fb.protocolHandler());
                a.listen();
                b.listen();
                ChatSession out = TransportHarness.await(a.transport.dial(b.addr()));
                ChatSession in = b.accept();
                out.setListener(new TransportHarness.Recorder());
                in.setListener(new TransportHarness.Recorder());
                sa.put(b.identity.peerId(), out);
                sb.put(a.identity.peerId(), in);
                List<Double> idle = pings(out, 20, () -> true);
                long t0 = System.nanoTime();
                fa.offer(src, List.of(b.identity.peerId())).get(60, TimeUnit.SECONDS);
                long hashed = System.nanoTime();
                Transfer got = null;
                while (got == null || !got.state().finished()) {
                    got = fb.transfers().isEmpty() ? null : fb.transfers().get(0);
                    Thread.sleep(1);
                }
                Transfer g = got;
                List<Double> busy = new ArrayList<>();
                // pings while the transfer runs (a second, separate transfer of the same file)
                fa.offer(src, List.of(b.identity.peerId())).get(60, TimeUnit.SECONDS);
                while (fb.transfers().size() < 2) Thread.sleep(1);
                Transfer second = fb.transfers().get(1);
                busy.addAll(pings(out, 1000, () -> !second.state().finished()));
                while (!second.state().finished()) Thread.sleep(1);
                System.out.printf(Locale.ROOT, "%s %s: %s; transfer %.0f MB/s (offer+hash %.2f s), file %s; chat RTT p50 idle %.3f ms, during transfer %.3f ms (%d pings)%n",
                        transport, label, g.state(), g.rate() / 1e6, (hashed - t0) / 1e9,
                        second.state(), p50(idle), p50(busy), busy.size());
            }
        }
    }

    private static List<Double> pings(ChatSession s, int max, java.util.function.BooleanSupplier go) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < max && go.getAsBoolean(); i++) {
            Duration d = s.ping().toCompletableFuture().get(10, TimeUnit.SECONDS);
            ms.add(d.toNanos() / 1e6);
            Thread.sleep(5);
        }
        return ms;
    }

    private static double p50(List<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
