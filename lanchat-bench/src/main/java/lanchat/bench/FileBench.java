package lanchat.bench;

import static lanchat.bench.Progress.say;

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
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Transport;
import lanchat.files.FileConfig;
import lanchat.files.FileEvents;
import lanchat.files.FileLimits;
import lanchat.files.FileService;
import lanchat.files.Transfer;

/**
 * File sharing ({@code lanchat-files}) over 127.0.0.1 in one JVM: one file offered and accepted between two nodes of
 * each transport (read, sent, hashed, written and verified: what {@code /send} does), against a plain TCP copy of
 * the same file in the same run, and the chat round trip ({@link ChatSession#ping}, every 5 ms) idle and while the
 * file moves. One warm-up transfer of a quarter of the size first. The issue's goals: ≥ 80 % of the transport's own
 * single-stream throughput, chat round trip during the transfer ≤ 2× idle.
 */
final class FileBench {
    private FileBench() {}

    /** Alone: {@code java -cp "lanchat-bench/target/lanchat-bench-*.jar:lanchat-bench/target/lib/*" lanchat.bench.FileBench [MiB]}. */
    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("lanchat-file-bench");
        try {
            run(work, (args.length > 0 ? Long.parseLong(args[0]) : 256) << 20);
        } finally {
            Files.deleteIfExists(work);
        }
    }

    /** One line per transport, for the report's notes. */
    static List<String> run(Path work, long bytes) throws Exception {
        Path src = work.resolve("file-bench.bin");
        byte[] block = new byte[1 << 20];
        new Random(1).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(src)) {
            for (long i = 0; i < bytes >> 20; i++) out.write(block);
        }
        try {
            List<String> lines = new ArrayList<>();
            double raw = rawTcp(src);
            for (String transport : List.of("libp2p", "netty")) {
                transfer(transport, src, work.resolve("file-bench-" + transport + "-warm"), bytes / 4);
                Result r = transfer(transport, src, work.resolve("file-bench-" + transport), bytes);
                lines.add(String.format(Locale.ROOT, "file transfer (/send, %d MiB over 127.0.0.1, hashed and verified), %s: %.0f MB/s = %.2f× a raw TCP copy "
                                + "of the file (%.0f MB/s, same run); chat RTT p50 %.3f ms idle, %.3f ms during the transfer (%.1f×, %d pings)",
                        bytes >> 20, transport, r.mbPerSec, r.mbPerSec / raw, raw, r.idleMs, r.busyMs, r.busyMs / r.idleMs, r.pings));
                say("  " + lines.get(lines.size() - 1));
            }
            return lines;
        } finally {
            Files.deleteIfExists(src);
        }
    }

    private record Result(double mbPerSec, double idleMs, double busyMs, int pings) {}

    /** The same file through a plain loopback socket: the ceiling a file transfer could reach here. */
    private static double rawTcp(Path src) throws Exception {
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

    private static Result transfer(String transport, Path src, Path downloads, long bytes) throws Exception {
        ExecutorService ca = Executors.newSingleThreadExecutor(SpiClient.daemon("bench-files-a")), cb = Executors.newSingleThreadExecutor(SpiClient.daemon("bench-files-b"));
        Transport a = SpiClient.create(transport, ca), b = SpiClient.create(transport, cb);
        Map<PeerId, ChatSession> sa = new ConcurrentHashMap<>(), sb = new ConcurrentHashMap<>();
        FileEvents quiet = new FileEvents() {
            @Override public void offered(Transfer t) {}
            @Override public void changed(Transfer t) {}
            @Override public void info(String line) {}
        };
        SessionListener ignore = new SessionListener() {
            @Override public void onMessage(ChatSession s, ChatMessage m) {}
            @Override public void onClosed(ChatSession s, Throwable cause) {}
        };
        Path file = src;
        if (bytes != Files.size(src)) { // the warm-up: a prefix of the file
            file = downloads.resolveSibling(downloads.getFileName() + ".bin");
            try (InputStream in = Files.newInputStream(src); OutputStream out = Files.newOutputStream(file)) {
                out.write(in.readNBytes((int) bytes));
            }
        }
        try (FileService fa = new FileService(new FileConfig(downloads.resolve("a"), FileLimits.DEFAULTS, false), p -> Optional.ofNullable(sa.get(p)), quiet);
             FileService fb = new FileService(new FileConfig(downloads.resolve("b"), FileLimits.DEFAULTS, true), p -> Optional.ofNullable(sb.get(p)), quiet)) {
            a.registerProtocol(fa.protocolHandler());
            b.registerProtocol(fb.protocolHandler());
            java.util.concurrent.CompletableFuture<ChatSession> inbound = new java.util.concurrent.CompletableFuture<>();
            b.onInbound(inbound::complete);
            a.onInbound(s -> s.close());
            Multiaddr loopback = Multiaddr.parse("/ip4/127.0.0.1/tcp/0");
            a.listen(loopback).toCompletableFuture().get(10, TimeUnit.SECONDS);
            Multiaddr bAddr = b.listen(loopback).toCompletableFuture().get(10, TimeUnit.SECONDS).get(0);
            ChatSession out = a.dial(bAddr).toCompletableFuture().get(10, TimeUnit.SECONDS);
            ChatSession in = inbound.get(10, TimeUnit.SECONDS);
            out.setListener(ignore);
            in.setListener(ignore);
            sa.put(out.remotePeer(), out);
            sb.put(in.remotePeer(), in);
            List<Double> idle = pings(out, 200, () -> true);
            fa.offer(file, List.of(out.remotePeer())).get(120, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (fb.transfers().isEmpty()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("no offer arrived");
                Thread.sleep(1);
            }
            Transfer got = fb.transfers().get(0);
            List<Double> busy = pings(out, Integer.MAX_VALUE, () -> !got.state().finished());
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (!got.state().finished()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("transfer did not finish");
                Thread.sleep(5);
            }
            if (got.state() != Transfer.State.DONE) throw new IllegalStateException(transport + " transfer " + got.state() + ": " + got.detail());
            return new Result(got.rate() / 1e6, p50(idle), p50(busy), busy.size());
        } finally {
            a.close();
            b.close();
            ca.shutdownNow();
            cb.shutdownNow();
            if (file != src) Files.deleteIfExists(file);
            try (java.util.stream.Stream<Path> w = Files.exists(downloads) ? Files.walk(downloads) : java.util.stream.Stream.empty()) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); // a GiB per run otherwise
            }
        }
    }

    private static List<Double> pings(ChatSession s, int max, BooleanSupplier go) throws Exception {
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
