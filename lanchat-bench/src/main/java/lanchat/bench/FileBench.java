package lanchat.bench;

import static lanchat.bench.Progress.say;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
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
 * the same file in the same run, against the transport's own single-channel throughput (the same number of bytes as
 * chunk-sized messages on one protocol channel between the same two nodes, received as views of the transport's
 * buffers as the file service receives them, nothing read, hashed or written: the
 * baseline of the issue's goal), and the chat round trip ({@link ChatSession#ping}, every 5 ms) idle and while the
 * file moves. One warm-up transfer of a quarter of the size first. The issue's goals: ≥ 80 % of the transport's own
 * single-stream throughput, chat round trip during the transfer ≤ 2× idle. Also in the same run: {@code scp} of the
 * same file over 127.0.0.1, the tool people would use instead ({@link ScpBaseline}: only when the machine has an
 * {@code sshd} the bench can start itself; the line says when it was not measured). The suite runs 256 MiB, 1 GiB
 * with {@code --full}.
 */
final class FileBench {
    private FileBench() {}

    /**
     * Alone: {@code java -cp "lanchat-bench/target/lanchat-bench-*.jar:lanchat-bench/target/lib/*" lanchat.bench.FileBench [MiB [TRANSPORT…]]}
     * (both transports unless named).
     */
    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("lanchat-file-bench");
        try {
            List<String> transports = args.length > 1 ? List.of(args).subList(1, args.length) : TRANSPORTS;
            run(work, (args.length > 0 ? Long.parseLong(args[0]) : 256) << 20, transports);
        } finally {
            Files.deleteIfExists(work);
        }
    }

    private static final List<String> TRANSPORTS = List.of("libp2p", "netty");

    /** One line per transport, for the report's notes. */
    static List<String> run(Path work, long bytes) throws Exception {
        return run(work, bytes, TRANSPORTS);
    }

    static List<String> run(Path work, long bytes, List<String> transports) throws Exception {
        Path src = work.resolve("file-bench.bin");
        byte[] block = new byte[1 << 20];
        new Random(1).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(src)) {
            for (long i = 0; i < bytes >> 20; i++) out.write(block);
        }
        try {
            List<String> lines = new ArrayList<>();
            double raw = rawTcp(src);
            ScpBaseline.Result scp = ScpBaseline.measure(work, src, SCP_TIMEOUT_S);
            lines.add(scp.mbPerSec()
                    .map(mbps -> String.format(Locale.ROOT, "scp of the same %d MiB file over 127.0.0.1 (OpenSSH, its default cipher; an sshd the bench started on a loopback port with throw-away keys): %.0f MB/s = %.2f× the raw TCP copy (%.0f MB/s)",
                            bytes >> 20, mbps, mbps / raw, raw))
                    .orElse(String.format(Locale.ROOT, "scp of the same %d MiB file over 127.0.0.1: not measured: %s; raw TCP copy %.0f MB/s", bytes >> 20, scp.why(), raw)));
            say("  " + lines.get(0));
            for (String transport : transports) {
                transfer(transport, src, work.resolve("file-bench-" + transport + "-warm"), bytes / 4);
                Result r = transfer(transport, src, work.resolve("file-bench-" + transport), bytes);
                lines.add(String.format(Locale.ROOT, "file transfer (/send, %d MiB over 127.0.0.1, hashed and verified), %s: %.0f MB/s = %.2f× the transport's own "
                                + "single-channel throughput (%.0f MB/s: the same bytes as %d KiB messages on one protocol channel, nothing read, hashed or written; mean of a run just before and one just after the file), "
                                + "%.2f× a raw TCP copy of the file (%.0f MB/s); the disk alone wrote the same bytes at %.0f MB/s (%d KiB writes to a new file beside the downloads, then fsync; "
                                + "mean of a run just before and one just after), so the file moved at %.2f× the slower of the channel and the disk; chat RTT p50 %.3f ms idle, %.3f ms during the transfer (%.1f×, %d pings)",
                        bytes >> 20, transport, r.mbPerSec, r.mbPerSec / r.channelMbPerSec, r.channelMbPerSec, FileLimits.DEFAULTS.chunkBytes() >> 10,
                        r.mbPerSec / raw, raw, r.diskMbPerSec, FileLimits.DEFAULTS.chunkBytes() >> 10, r.mbPerSec / Math.min(r.channelMbPerSec, r.diskMbPerSec),
                        r.idleMs, r.busyMs, r.busyMs / r.idleMs, r.pings));
                say("  " + lines.get(lines.size() - 1));
            }
            return lines;
        } finally {
            Files.deleteIfExists(src);
        }
    }

    /** The scp copy's bound: 1 GiB at a slow 4 MB/s. */
    private static final long SCP_TIMEOUT_S = 300;

    private record Result(double mbPerSec, double channelMbPerSec, double diskMbPerSec, double idleMs, double busyMs, int pings) {}

    /**
     * The receiver's other bound: {@code bytes} written to a new file in {@code dir} the way a download writes them
     * (chunk-sized positional writes from a direct buffer), then forced to the disk as a download is before it is
     * moved into place. On some machines a long write runs at the disk's (or the VM's) write-back rate, far below the
     * page cache's, and no transfer can beat that.
     */
    private static double diskWrite(Path dir, long bytes) throws Exception {
        Files.createDirectories(dir);
        Path f = dir.resolve("disk-bench.bin");
        int chunk = FileLimits.DEFAULTS.chunkBytes();
        ByteBuffer buf = ByteBuffer.allocateDirect(chunk);
        byte[] noise = new byte[chunk];
        new Random(3).nextBytes(noise);
        buf.put(noise).flip();
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long pos = 0; pos < bytes; pos += chunk) {
                ByteBuffer b = buf.duplicate();
                b.limit((int) Math.min(chunk, bytes - pos));
                while (b.hasRemaining()) ch.write(b, pos + b.position());
            }
            ch.force(true);
        } finally {
            Files.deleteIfExists(f);
        }
        return bytes / ((System.nanoTime() - t0) / 1e9) / 1e6;
    }

    /** The baseline the issue's goal is measured against: one protocol channel of the transport, nothing else. */
    private static final String BLAST = "/lanchat/bench-blast/1.0.0";

    /** Counts what arrives on {@link #BLAST} channels and completes {@code done} once {@code expect} bytes did. */
    private static final class BlastSink {
        final AtomicLong got = new AtomicLong();
        volatile long expect = Long.MAX_VALUE;
        volatile CompletableFuture<Void> done = new CompletableFuture<>();

        void accept(ProtocolChannel ch) {
            // views, as the file service takes them: the baseline is the transport at its fastest
            ch.setListener(new ChannelListener() {
                @Override
                public CompletionStage<?> onMessage(ProtocolChannel c, byte[] m) {
                    return onMessageView(c, ByteBuffer.wrap(m));
                }

                @Override
                public CompletionStage<?> onMessageView(ProtocolChannel c, ByteBuffer m) {
                    if (got.addAndGet(m.remaining()) >= expect) done.complete(null);
                    return null;
                }

                @Override
                public void onClosed(ProtocolChannel c, Throwable cause) {}
            });
        }
    }

    /** {@code bytes} as file-chunk-sized messages on one channel, as many in flight as its send buffer holds. */
    private static double blast(ChatSession out, BlastSink sink, long bytes) throws Exception {
        int size = FileLimits.DEFAULTS.chunkBytes() + 9; // a CHUNK message: type, offset, bytes
        byte[] msg = new byte[size];
        new Random(2).nextBytes(msg);
        long count = (bytes + size - 1) / size;
        sink.got.set(0);
        sink.expect = count * size;
        sink.done = new CompletableFuture<>();
        ProtocolChannel ch = out.openChannel(BLAST).toCompletableFuture().get(10, TimeUnit.SECONDS);
        ch.setListener(new ChannelListener() {
            @Override
            public CompletionStage<?> onMessage(ProtocolChannel c, byte[] m) { return null; }

            @Override
            public void onClosed(ProtocolChannel c, Throwable cause) {}
        });
        int window = FileService.LIMITS.sendBufferBytes() / size;
        ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
        long t0 = System.nanoTime();
        for (long i = 0; i < count; i++) {
            inFlight.add(ch.send(msg).toCompletableFuture());
            if (inFlight.size() >= window) inFlight.poll().get(60, TimeUnit.SECONDS);
        }
        sink.done.get(120, TimeUnit.SECONDS);
        double mbps = count * size / ((System.nanoTime() - t0) / 1e9) / 1e6;
        ch.close();
        return mbps;
    }

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
            BlastSink sink = new BlastSink();
            a.registerProtocol(new ProtocolHandler(BLAST, FileService.LIMITS, ch -> ch.reset()));
            b.registerProtocol(new ProtocolHandler(BLAST, FileService.LIMITS, sink::accept));
            CompletableFuture<ChatSession> inbound = new CompletableFuture<>();
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
            double channelBefore = blast(out, sink, bytes); // before and after the file: the machine's load drifts
            double diskBefore = diskWrite(downloads.resolveSibling(downloads.getFileName() + "-disk"), bytes);
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
            double channel = (channelBefore + blast(out, sink, bytes)) / 2;
            Path diskDir = downloads.resolveSibling(downloads.getFileName() + "-disk");
            double disk = (diskBefore + diskWrite(diskDir, bytes)) / 2;
            Files.deleteIfExists(diskDir);
            return new Result(got.rate() / 1e6, channel, disk, p50(idle), p50(busy), busy.size());
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
