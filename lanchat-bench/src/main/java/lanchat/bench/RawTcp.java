package lanchat.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The practical limit: {@link BenchProtocol} over plain blocking Java sockets on loopback, no security, no
 * multiplexing, one thread per connection, TCP_NODELAY like the transports.
 */
final class RawTcp {
    private RawTcp() {}

    // ---- server ----

    static ServerSocket listen() throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    s.setTcpNoDelay(true);
                    Thread h = new Thread(() -> serve(s), "tcp-echo");
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "tcp-accept");
        t.setDaemon(true);
        t.start();
        return ss;
    }

    private static void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[128 * 1024];
            byte[] small = new byte[4096];
            int smallLen = 0;
            int first = -1;
            long counted = 0;
            int r;
            while ((r = in.read(buf)) > 0) {
                int k = 0;
                while (k < r) {
                    if (first < 0) first = buf[k];
                    if (first == 'd') {
                        // a data line: find its end, count, answer nothing
                        int start = k;
                        while (k < r && buf[k] != '\n') k++;
                        counted += k - start;
                        if (k < r) {
                            counted++; // the newline
                            k++;
                            first = -1;
                        }
                        continue;
                    }
                    byte b = buf[k++];
                    if (b == '\n') {
                        String line = new String(small, 0, smallLen, StandardCharsets.UTF_8);
                        smallLen = 0;
                        first = -1;
                        if (line.isBlank()) continue;
                        if (line.equals(BenchProtocol.SYNC)) {
                            out.write((BenchProtocol.SYNCED + counted + "\n").getBytes(StandardCharsets.UTF_8));
                            counted = 0;
                        } else {
                            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                        }
                    } else if (smallLen < small.length) {
                        small[smallLen++] = b;
                    }
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    // ---- client ----

    static final class Conn implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        private final byte[] buf = new byte[8192];
        private int pos, lim;

        Conn(InetSocketAddress addr) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(addr, 10_000);
            socket.setSoTimeout(60_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void writeLine(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }

        /** A short answer line, without its newline. */
        String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos == lim) {
                    lim = in.read(buf);
                    pos = 0;
                    if (lim <= 0) throw new IOException("connection closed");
                }
                byte b = buf[pos++];
                if (b == '\n') return sb.toString();
                sb.append((char) b);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static String rtt(InetSocketAddress addr, int warmup, int n) throws IOException {
        long[] samples = new long[n];
        try (Conn c = new Conn(addr)) {
            for (int i = 0; i < warmup + n; i++) {
                String line = BenchProtocol.echoLine(i);
                long t0 = System.nanoTime();
                c.writeLine(line);
                String echo = c.readLine();
                long t1 = System.nanoTime();
                if (!echo.equals(line)) throw new IOException("unexpected echo " + echo);
                if (i >= warmup) samples[i - warmup] = t1 - t0;
            }
        }
        return new Stats(samples, n).fields();
    }

    private static long send(Conn c, long lines) throws IOException {
        byte[] data = BenchProtocol.dataBytes();
        for (long i = 0; i < lines; i++) c.out.write(data);
        c.writeLine(BenchProtocol.SYNC);
        String reply = c.readLine();
        if (!reply.startsWith(BenchProtocol.SYNCED)) throw new IOException("unexpected reply " + reply);
        long got = Long.parseLong(reply.substring(BenchProtocol.SYNCED.length()).trim());
        if (got != lines * BenchProtocol.WRITE_BYTES) throw new IOException("peer counted " + got + " bytes, sent " + lines * BenchProtocol.WRITE_BYTES);
        return got;
    }

    /**
     * Raw TCP moves the planned bytes in well under a second here, where one scheduling hiccup is a large share of the
     * time; the timed transfers repeat until at least this long has passed, and MB/s is over all of them.
     */
    static final long MIN_TIMED_NANOS = 1_000_000_000L;

    static String throughput(InetSocketAddress addr, long warmupBytes, long bytes) throws IOException {
        try (Conn c = new Conn(addr)) {
            send(c, Math.max(1, warmupBytes / BenchProtocol.WRITE_BYTES));
            long lines = Math.max(1, bytes / BenchProtocol.WRITE_BYTES);
            long t0 = System.nanoTime(), got = 0;
            do {
                got += send(c, lines);
            } while (System.nanoTime() - t0 < MIN_TIMED_NANOS);
            return SpiClient.mbFields(got, System.nanoTime() - t0);
        }
    }

    static String aggregate(InetSocketAddress addr, int conns, long warmupBytes, long bytes) throws Exception {
        List<Conn> cs = new ArrayList<>();
        try {
            for (int i = 0; i < conns; i++) cs.add(new Conn(addr));
            runAll(cs, Math.max(1, warmupBytes / conns / BenchProtocol.WRITE_BYTES));
            long each = Math.max(1, bytes / conns / BenchProtocol.WRITE_BYTES);
            long t0 = System.nanoTime(), sent = 0;
            do {
                runAll(cs, each);
                sent += each * conns * BenchProtocol.WRITE_BYTES;
            } while (System.nanoTime() - t0 < MIN_TIMED_NANOS);
            return SpiClient.mbFields(sent, System.nanoTime() - t0) + " conns=" + conns;
        } finally {
            for (Conn c : cs) c.close();
        }
    }

    private static void runAll(List<Conn> cs, long each) throws Exception {
        List<CompletableFuture<Long>> all = new ArrayList<>();
        for (Conn c : cs) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    f.complete(send(c, each));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            }, "tcp-sender");
            t.setDaemon(true);
            t.start();
            all.add(f);
        }
        for (CompletableFuture<Long> f : all) f.get(300, java.util.concurrent.TimeUnit.SECONDS);
    }

    static String setup(InetSocketAddress addr, int warmup, int n) throws IOException {
        long[] samples = new long[n];
        String line = BenchProtocol.echoLine(0);
        for (int i = 0; i < warmup + n; i++) {
            long t0 = System.nanoTime();
            try (Conn c = new Conn(addr)) {
                c.writeLine(line);
                String echo = c.readLine();
                long t1 = System.nanoTime();
                if (!echo.equals(line)) throw new IOException("unexpected echo " + echo);
                if (i >= warmup) samples[i - warmup] = t1 - t0;
            }
        }
        return new Stats(samples, n).fields();
    }
}
