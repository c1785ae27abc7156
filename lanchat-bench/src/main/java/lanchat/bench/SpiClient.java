package lanchat.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.resource.ResourceManager;
import lanchat.api.Multiaddr;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Plugins;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Transport;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.resource.ResourceManager;
import lanchat.api.spi.TransportConfig;

/**
 * Measurements through the SPI only ({@link Transport#dial}, {@link ChatSession#send}, {@link ChatSession#ping},
 * {@link SessionListener}): what an application sees. Session events arrive on one callback thread per transport,
 * like the app's; the RTT loop sends the next line from that thread, so no extra hand-off is measured.
 */
final class SpiClient implements AutoCloseable {
    /** Sends in flight per session during throughput runs (completion = written out of the chat stream). */
    static final int WINDOW = Integer.getInteger("bench.window", 4);

    final Transport transport;
    /** The transport's callback executor: one thread like the app's, or (inline) the I/O thread itself. */
    private final Executor callbacks;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(daemon("bench-retry"));
    private final Deadline deadline;
    final AtomicLong fullBufferRetries = new AtomicLong();

    SpiClient(String transportName, Deadline deadline, boolean inlineCallbacks) {
        this(transportName, deadline, inlineCallbacks, null, Map.of());
    }

    /** @param limits {@code -limit NAME=VALUE} settings, applied over {@link #limits()} */
    SpiClient(String transportName, Deadline deadline, boolean inlineCallbacks, PreSharedKey privateNetwork, Map<String, String> limits) {
        this.deadline = deadline;
        this.callbacks = callbacks(inlineCallbacks);
        this.transport = create(transportName, callbacks, privateNetwork, limits);
    }

    /**
     * One thread, as the app delivers events (the default), or inline: callbacks then run on the transport's I/O
     * thread, which the SPI allows and the app does not do; it shows what the two hand-offs per side cost.
     */
    static Executor callbacks(boolean inline) {
        return inline ? Runnable::run : Executors.newSingleThreadExecutor(daemon("bench-callbacks"));
    }

    static void shutdown(Executor callbacks) {
        if (callbacks instanceof ExecutorService s) s.shutdownNow();
    }

    /** The limit a node must lift before many bench peers on this one host can connect to it (issue 13). */
    static final String ONE_HOST_LIMIT = "system.inboundPerIp";

    static Transport create(String transportName, Executor callbacks) {
        return create(transportName, callbacks, null, Map.of());
    }

    /**
     * @param privateNetwork a room key (PSK v1, {@code -psk}), or null
     * @param limits         {@code -limit NAME=VALUE} settings, applied over {@link #limits()} (a row that needs more,
     *                       such as the 100-connection aggregate: {@link Matrix#aggregateLimits})
     */
    static Transport create(String transportName, Executor callbacks, PreSharedKey privateNetwork, Map<String, String> limits) {
        // idle timeouts far above any bench run; the default limits, but for the per-address cap on authenticated
        // inbound connections: every bench client connects from 127.0.0.1 (the aggregate rows use 100 connections)
        return Plugins.installed().transport(transportName).create(new TransportConfig(Identity.generate(), callbacks, Map.of(),
                new ResourceManager(limits().with(limits)), privateNetwork));
    }

    /**
     * The bench peer's limits: the defaults with {@link #ONE_HOST_LIMIT} lifted; with {@code -Dlanchat.bench.limits=unlimited}
     * (the "resource manager overhead" column, issue 13) every limit is far above anything a bench run reaches. The
     * transports cannot run without a ResourceManager, so the difference between the two columns is the cost of the
     * default accounting path against the same path that never comes near a limit, not against no accounting at all.
     */
    static ResourceLimits limits() {
        ResourceLimits limits = ResourceLimits.DEFAULTS.with(ONE_HOST_LIMIT, "128");
        if (!"unlimited".equals(System.getProperty("lanchat.bench.limits"))) return limits;
        for (Map.Entry<String, String> e : ResourceLimits.DEFAULTS.names().entrySet()) {
            if (e.getValue().equals("0")) continue; // a scope that never holds this kind (transient streams) stays so
            limits = limits.with(e.getKey(), e.getKey().endsWith("emory") ? String.valueOf(1L << 40) : "1000000");
        }
        return limits;
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    static ChatMessage msg(String text) {
        return new ChatMessage(Optional.empty(), text);
    }

    /** Routes a session's lines to whoever measures at the moment. */
    static final class Lines implements SessionListener {
        volatile Consumer<String> handler = t -> {};
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();

        @Override
        public void onMessage(ChatSession session, ChatMessage message) {
            handler.accept(message.text());
        }

        @Override
        public void onClosed(ChatSession session, Throwable cause) {
            closed.complete(cause);
        }
    }

    record Conn(ChatSession session, Lines lines) {}

    Conn connect(Multiaddr addr) throws Exception {
        ChatSession s = deadline.await(transport.dial(addr).toCompletableFuture());
        Lines l = new Lines();
        s.setListener(l);
        return new Conn(s, l);
    }

    // ---- message round trip ----

    String rtt(Conn c, int warmup, int n) throws Exception {
        long[] samples = new long[n];
        int total = warmup + n;
        CompletableFuture<Void> done = new CompletableFuture<>();
        int[] i = {0};
        long[] sentAt = {0};
        Runnable sendNext = () -> {
            String line = BenchProtocol.echoLine(i[0]);
            sentAt[0] = System.nanoTime();
            c.session.send(msg(line)).whenComplete((v, e) -> {
                if (e != null) done.completeExceptionally(e);
            });
        };
        c.lines.handler = text -> {
            long now = System.nanoTime();
            if (!text.equals(BenchProtocol.echoLine(i[0]))) {
                done.completeExceptionally(new IOException("unexpected echo '" + abbrev(text) + "' for round trip " + i[0]));
                return;
            }
            if (i[0] >= warmup) samples[i[0] - warmup] = now - sentAt[0];
            if (++i[0] == total) done.complete(null);
            else sendNext.run();
        };
        callbacks.execute(sendNext); // every send from the callback thread
        deadline.await(done);
        return new Stats(samples, n).fields();
    }

    // ---- ping ----

    /** Wall time of each {@code ping()} call as the caller sees it; the transport's own figure is reported too. */
    String ping(Multiaddr addr, int warmup, int n) throws Exception {
        long[] wall = new long[n];
        long[] reported = new long[n];
        Conn c = null;
        int failures = 0;
        try {
            for (int i = 0; i < warmup + n; i++) {
                if (c == null) c = connect(addr); // all pings on one connection, as go's ping.Ping does
                long t0 = System.nanoTime();
                Duration d;
                try {
                    d = deadline.await(c.session.ping().toCompletableFuture());
                } catch (java.util.concurrent.TimeoutException e) {
                    throw e;
                } catch (Exception e) {
                    // counted, reported, and the ping is done again on a fresh connection
                    if (++failures > Math.max(5, (warmup + n) / 20)) throw e;
                    c.session.close();
                    c = null;
                    i--;
                    continue;
                }
                long t1 = System.nanoTime();
                if (i >= warmup) {
                    wall[i - warmup] = t1 - t0;
                    reported[i - warmup] = d.toNanos();
                }
            }
        } finally {
            if (c != null) c.session.close();
        }
        Stats r = new Stats(reported, n);
        return new Stats(wall, n).fields() + String.format(java.util.Locale.ROOT, " reported_p50_us=%.1f reported_p99_us=%.1f failures=%d",
                r.percentile(0.5) / 1e3, r.percentile(0.99) / 1e3, failures);
    }

    // ---- throughput ----

    /** Sends {@code lines} data lines on the session with at most {@link #WINDOW} in flight, then syncs. */
    private CompletableFuture<Long> transfer(Conn c, long lines) {
        CompletableFuture<Long> synced = new CompletableFuture<>();
        c.lines.handler = text -> {
            if (text.startsWith(BenchProtocol.SYNCED)) synced.complete(Long.parseLong(text.substring(BenchProtocol.SYNCED.length()).trim()));
        };
        Pump p = new Pump(c.session, lines, synced);
        p.allSent.thenRun(() -> c.session.send(msg(BenchProtocol.SYNC)).whenComplete((v, e) -> {
            if (e != null) synced.completeExceptionally(e);
        }));
        p.pump();
        return synced;
    }

    private static final ChatMessage DATA = msg(BenchProtocol.dataText());

    final class Pump {
        private final ChatSession session;
        private long remaining;
        private int inflight;
        final CompletableFuture<Void> allSent = new CompletableFuture<>();
        private final CompletableFuture<?> failure;

        Pump(ChatSession session, long lines, CompletableFuture<?> failure) {
            this.session = session;
            this.remaining = lines;
            this.failure = failure;
        }

        void pump() {
            while (true) {
                synchronized (this) {
                    if (remaining == 0 && inflight == 0) {
                        allSent.complete(null);
                        return;
                    }
                    if (inflight >= WINDOW || remaining == 0 || failure.isDone()) return;
                    remaining--;
                    inflight++;
                }
                session.send(DATA).whenComplete(this::sent);
            }
        }

        private void sent(Void v, Throwable e) {
            synchronized (this) {
                inflight--;
                if (e != null) remaining++;
            }
            if (e == null) {
                pump();
            } else if (String.valueOf(rootCause(e).getMessage()).contains("send buffer full")) {
                // the SPI refuses instead of waiting; try again shortly (counted in the BENCH line)
                fullBufferRetries.incrementAndGet();
                retries.schedule(this::pump, Long.getLong("bench.retryMicros", 200), TimeUnit.MICROSECONDS);
            } else {
                failure.completeExceptionally(e);
            }
        }
    }

    String throughput(Conn c, long warmupBytes, long bytes) throws Exception {
        long warmLines = Math.max(1, warmupBytes / BenchProtocol.WRITE_BYTES);
        long got = deadline.await(transfer(c, warmLines));
        if (got != warmLines * BenchProtocol.WRITE_BYTES) throw new IOException("warm-up: peer counted " + got + " bytes, sent " + warmLines * BenchProtocol.WRITE_BYTES);
        long lines = Math.max(1, bytes / BenchProtocol.WRITE_BYTES);
        fullBufferRetries.set(0);
        long t0 = System.nanoTime();
        got = deadline.await(transfer(c, lines));
        long t1 = System.nanoTime();
        long sent = lines * BenchProtocol.WRITE_BYTES;
        if (got != sent) throw new IOException("peer counted " + got + " bytes, sent " + sent);
        return mbFields(sent, t1 - t0) + " retries=" + fullBufferRetries.get();
    }

    static String mbFields(long bytes, long nanos) {
        double secs = nanos / 1e9;
        return String.format(java.util.Locale.ROOT, "mb_s=%.1f bytes=%d secs=%.3f write=%d", bytes / 1e6 / secs, bytes, secs, BenchProtocol.WRITE_BYTES);
    }

    /** {@code conns} sessions at once, each sending its share of {@code bytes}. */
    String aggregate(Multiaddr addr, int conns, long warmupBytes, long bytes) throws Exception {
        List<Conn> cs = new ArrayList<>();
        try {
            List<CompletableFuture<ChatSession>> dials = new ArrayList<>();
            for (int i = 0; i < conns; i++) dials.add(transport.dial(addr).toCompletableFuture());
            for (CompletableFuture<ChatSession> d : dials) {
                Lines l = new Lines();
                ChatSession s = deadline.await(d);
                s.setListener(l);
                cs.add(new Conn(s, l));
            }
            long perConnWarm = Math.max(1, warmupBytes / conns / BenchProtocol.WRITE_BYTES);
            runAll(cs, perConnWarm);
            long perConn = Math.max(1, bytes / conns / BenchProtocol.WRITE_BYTES);
            fullBufferRetries.set(0);
            long t0 = System.nanoTime();
            runAll(cs, perConn);
            long t1 = System.nanoTime();
            return mbFields(perConn * BenchProtocol.WRITE_BYTES * conns, t1 - t0) + " conns=" + conns + " retries=" + fullBufferRetries.get();
        } finally {
            for (Conn c : cs) c.session.close();
        }
    }

    private void runAll(List<Conn> cs, long linesEach) throws Exception {
        List<CompletableFuture<Long>> all = new ArrayList<>();
        for (Conn c : cs) all.add(transfer(c, linesEach));
        for (CompletableFuture<Long> f : all) {
            long got = deadline.await(f);
            if (got != linesEach * BenchProtocol.WRITE_BYTES) throw new IOException("a peer counted " + got + " bytes, expected " + linesEach * BenchProtocol.WRITE_BYTES);
        }
    }

    // ---- connection setup ----

    /** Dial start until the first chat line's echo is back, on a fresh connection each time. */
    String setup(Multiaddr addr, int warmup, int n) throws Exception {
        long[] samples = new long[n];
        for (int i = 0; i < warmup + n; i++) {
            long t0 = System.nanoTime();
            Conn c = connect(addr);
            CompletableFuture<String> first = new CompletableFuture<>();
            c.lines.handler = first::complete;
            String line = BenchProtocol.echoLine(0);
            c.session.send(msg(line)).whenComplete((v, e) -> {
                if (e != null) first.completeExceptionally(e);
            });
            String echo = deadline.await(first);
            long t1 = System.nanoTime();
            if (!echo.equals(line)) throw new IOException("unexpected echo '" + abbrev(echo) + "'");
            if (i >= warmup) samples[i - warmup] = t1 - t0;
            try {
                c.session.close().toCompletableFuture().get(3, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // counted outside the measurement; the transport closes it eventually
            }
        }
        return new Stats(samples, n).fields();
    }

    static Throwable rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) e = e.getCause();
        return e;
    }

    static String abbrev(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…(" + s.length() + ")" : s;
    }

    @Override
    public void close() {
        transport.close();
        shutdown(callbacks);
        retries.shutdownNow();
    }
}
