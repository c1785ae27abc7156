package lanchat.bench;

import static lanchat.bench.Progress.say;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import java.util.Set;
import java.util.concurrent.CompletionStage;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.resource.ResourceManager;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Plugins;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import lanchat.room.Room;
import lanchat.room.RoomConfig;
import lanchat.room.RoomListener;
import lanchat.room.RoomMessage;
import lanchat.room.store.RoomStore;
import lanchat.room.wire.Frame;
import lanchat.room.wire.MessageBody;
import lanchat.room.wire.SignedMessage;

/**
 * The room log ({@code lanchat-room}, issue 14), measured. In one JVM, with in-process nodes (a real libp2p transport
 * and a {@link Room} each) on 127.0.0.1: catch-up of a history (time until a newcomer holds all of it), relay latency
 * A → C through B against A → C direct, the store's append rate (our own posts: one fsync'd transaction each) and
 * batch insert rate (what catch-up does), {@code /search} over the filled store. In app processes
 * ({@code java -p mods -m lanchat.app}, one at a time): time to {@code Listening on} and RSS with a big history on
 * disk against an empty one. Histories are made by signing messages of a few authors straight into the store (the
 * room's own rate limits would take hours to post them).
 */
final class RoomBench {
    static final String ROOM = "(direct)"; // the app's room without --rendezvous: the startup row opens it
    static final int AUTHORS = 10;
    static final int BATCH = 500;
    static final long WAIT_MS = 120_000;
    /** The room's relay backstop ({@code lanchat.room.Tuning.RELAY_BACKSTOP_MS}, not exported): late copies come within it. */
    static final long RELAY_BACKSTOP_MS = 2_000;

    private RoomBench() {}

    /**
     * Alone, with small counts to check it works: {@code java -cp "lanchat-bench/target/lanchat-bench-*.jar:lanchat-bench/target/lib/*"
     * lanchat.bench.RoomBench [catch-up N] [store N] [mods dir]}.
     */
    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("lanchat-room-bench");
        int catchUp = args.length > 0 ? Integer.parseInt(args[0]) : 1_000, store = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        Path mods = args.length > 2 && !args[2].equals("-") ? Path.of(args[2]) : null;
        if (args.length > 3 && args[3].equals("catch-up")) { // one row, to look into it
            System.out.println(catchUp(work.resolve("catch-up"), catchUp));
            return;
        }
        if (args.length > 3 && args[3].equals("mesh")) {
            System.out.println(mesh(args.length > 4 ? Integer.parseInt(args[4]) : 20));
            return;
        }
        for (String line : run(work, catchUp, store, mods, ProcessHandle.current().info().command().orElse("java"))) System.out.println(line);
    }

    /** One line per measurement, for the report's notes. {@code mods} null: no process rows. */
    static List<String> run(Path work, int catchUp, int storeN, Path mods, String java) throws Exception {
        List<String> out = new ArrayList<>();
        out.add(catchUp(work.resolve("catch-up"), catchUp));
        out.add(relay(30));
        out.add(mesh(20));
        out.addAll(store(work.resolve("store"), storeN));
        if (mods != null) out.addAll(startup(work.resolve("startup"), storeN, mods, java));
        return out;
    }

    // ---------------------------------------------------------------- histories

    /** Signs {@code n} messages of {@link #AUTHORS} authors into {@code store}, {@link #BATCH} a transaction; returns the nanoseconds spent storing. */
    static long fill(RoomStore store, int n) {
        long storing = 0;
        List<Identity> authors = new ArrayList<>();
        for (int i = 0; i < AUTHORS; i++) authors.add(Identity.generate());
        long now = System.currentTimeMillis();
        List<SignedMessage> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Identity a = authors.get(i % AUTHORS);
            long hlc = ((now - n + i) << 16); // a millisecond apart, all within the retention window
            batch.add(SignedMessage.sign(a, new MessageBody(ROOM, a.publicKey(), i / AUTHORS + 1, hlc, now, "a" + i % AUTHORS,
                    "line " + i + " about " + WORDS[i % WORDS.length] + " and " + WORDS[(i * 7) % WORDS.length], Optional.empty())));
            if (batch.size() == BATCH || i == n - 1) {
                long t0 = System.nanoTime();
                store.insert(batch, now, true);
                storing += System.nanoTime() - t0;
                batch.clear();
            }
        }
        return storing;
    }

    private static final String[] WORDS = {"lunch", "build", "release", "coffee", "printer", "meeting", "deploy", "review", "holiday", "network",
            "kernel", "bug", "ticket", "demo", "backup", "laptop", "server", "invoice", "badge", "parking"};

    // ---------------------------------------------------------------- in-process nodes

    /** A node: a libp2p transport on 127.0.0.1 with a room; every session is attached (a room member's app does that). */
    private static final class Node implements AutoCloseable {
        final Identity identity;
        final ExecutorService callbacks = Executors.newSingleThreadExecutor();
        final Transport transport;
        final Room room;
        final String address;

        Node(Identity identity, Optional<Path> data, int historyLimit, RoomListener listener) throws Exception {
            this.identity = identity;
            transport = Plugins.installed().transport("libp2p").create(new TransportConfig(identity, callbacks, Map.of()));
            room = Room.open(new RoomConfig(ROOM, identity, "", data, historyLimit, Duration.ofDays(365)), listener);
            transport.registerProtocol(room.protocolHandler());
            room.ready().toCompletableFuture().get(60, TimeUnit.SECONDS);
            transport.onInbound(room::attach);
            address = transport.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).toCompletableFuture().get(30, TimeUnit.SECONDS).get(0).toString();
        }

        void dial(Node other) throws Exception {
            ChatSession s = transport.dial(Multiaddr.parse(other.address)).toCompletableFuture().get(30, TimeUnit.SECONDS);
            room.attach(s);
        }

        /** A node whose room channels count the envelopes they receive with {@code probe} as text (both directions of channel). */
        Node(Identity identity, RoomListener listener, String probe, AtomicInteger crossings) throws Exception {
            this.identity = identity;
            // every node of the mesh comes from 127.0.0.1: the per-host limit (16) is lifted as on a LAN of separate hosts
            transport = Plugins.installed().transport("libp2p").create(new TransportConfig(identity, callbacks, Map.of(),
                    new ResourceManager(ResourceLimits.DEFAULTS.with(SpiClient.ONE_HOST_LIMIT, "64"))));
            room = Room.open(new RoomConfig(ROOM, identity, "", Optional.empty(), 1000, Duration.ofDays(365)), listener);
            ProtocolHandler h = room.protocolHandler();
            transport.registerProtocol(new ProtocolHandler(h.id(), h.limits(), ch -> h.onInbound().accept(new CountingChannel(ch, probe, crossings))));
            room.ready().toCompletableFuture().get(60, TimeUnit.SECONDS);
            transport.onInbound(room::attach);
            address = transport.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).toCompletableFuture().get(30, TimeUnit.SECONDS).get(0).toString();
        }

        @Override
        public void close() {
            room.close();
            transport.close();
            callbacks.shutdownNow();
        }
    }

    /** A room channel that counts the received envelopes whose text is {@code probe}: how often one message crossed a link. */
    private record CountingChannel(ProtocolChannel ch, String probe, AtomicInteger crossings) implements ProtocolChannel {
        @Override public String protocol() { return ch.protocol(); }
        @Override public ChatSession session() { return ch.session(); }
        @Override public Direction direction() { return ch.direction(); }
        @Override public CompletionStage<Void> send(byte[] message) { return ch.send(message); }
        @Override public CompletionStage<Void> close() { return ch.close(); }
        @Override public void reset() { ch.reset(); }
        @Override public boolean isOpen() { return ch.isOpen(); }

        @Override
        public void setListener(ChannelListener listener) {
            ch.setListener(new ChannelListener() {
                @Override
                public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) {
                    try {
                        if (Frame.decode(message) instanceof Frame.Messages m) {
                            for (byte[] e : m.envelopes()) if (SignedMessage.trusted(e).body().text().equals(probe)) crossings.incrementAndGet();
                        }
                    } catch (Exception bad) {
                        // the room rejects it itself
                    }
                    return listener.onMessage(CountingChannel.this, message);
                }

                @Override
                public void onClosed(ProtocolChannel channel, Throwable cause) {
                    listener.onClosed(CountingChannel.this, cause);
                }
            });
        }
    }

    /** A session whose room channels (the ones this side opens) count like {@link CountingChannel}. */
    private record CountingSession(ChatSession s, String probe, AtomicInteger crossings) implements ChatSession {
        @Override public PeerId remotePeer() { return s.remotePeer(); }
        @Override public Multiaddr remoteAddress() { return s.remoteAddress(); }
        @Override public Direction direction() { return s.direction(); }
        @Override public String transport() { return s.transport(); }
        @Override public String connectionId() { return s.connectionId(); }
        @Override public CompletionStage<Void> send(ChatMessage message) { return s.send(message); }
        @Override public CompletionStage<Duration> ping() { return s.ping(); }
        @Override public void setListener(SessionListener listener) { s.setListener(listener); }
        @Override public CompletionStage<Void> close() { return s.close(); }
        @Override public boolean isOpen() { return s.isOpen(); }

        @Override
        public CompletionStage<ProtocolChannel> openChannel(String protocolId) {
            return s.openChannel(protocolId).thenApply(ch -> new CountingChannel(ch, probe, crossings));
        }
    }

    /**
     * {@code n} in-process nodes started at once, each dialing every node before it (one connection per pair, so
     * {@code n(n-1)/2} links): time until every room has every other node as a room neighbour; then one post: how many
     * times it crossed a link (goal: at most once per link) and how long until all showed it.
     */
    static String mesh(int n) throws Exception {
        String probe = "mesh probe";
        AtomicInteger crossings = new AtomicInteger();
        List<Node> nodes = new ArrayList<>();
        List<Counter> counters = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Counter c = new Counter();
                counters.add(c);
                nodes.add(new Node(Identity.generate(), c, probe, crossings));
            }
            long t0 = System.nanoTime();
            ExecutorService dialers = Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<?>> dials = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < i; j++) {
                        Node a = nodes.get(i), b = nodes.get(j);
                        dials.add(dialers.submit(() -> {
                            ChatSession s = a.transport.dial(Multiaddr.parse(b.address)).toCompletableFuture().get(30, TimeUnit.SECONDS);
                            a.room.attach(new CountingSession(s, probe, crossings));
                            return null;
                        }));
                    }
                }
                for (var d : dials) d.get(60, TimeUnit.SECONDS);
            } finally {
                dialers.shutdownNow();
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (counters.stream().anyMatch(c -> c.ready.size() < n - 1) && System.nanoTime() < end) Thread.sleep(10);
            double meshSecs = (System.nanoTime() - t0) / 1e9;
            int minReady = counters.stream().mapToInt(c -> c.ready.size()).min().orElse(0);
            Thread.sleep(1500); // summaries and have-vectors settle
            long p0 = System.nanoTime();
            nodes.get(0).room.post(probe).toCompletableFuture().get(10, TimeUnit.SECONDS);
            for (Counter c : counters.subList(1, n)) c.await(1, 10_000);
            double spreadMs = (counters.subList(1, n).stream().mapToLong(c -> c.lastAt).max().orElse(p0) - p0) / 1e6;
            // late copies: a relay holds its copy for a neighbour of the author for the room's 2 s backstop
            // (lanchat.room.Tuning.RELAY_BACKSTOP_MS) and sends it then if that neighbour still lacks the message
            Thread.sleep(RELAY_BACKSTOP_MS + 1500);
            int links = n * (n - 1) / 2;
            return String.format(Locale.ROOT, "room log: %d in-process nodes (libp2p, 127.0.0.1), each dialing every node before it (%d connections, one per pair): "
                    + "every room had all %d others as room neighbours %.2f s after the first dial%s; one post crossed links %d times (%d links; goal ≤ %d) "
                    + "and all %d others showed it within %.1f ms", n, links, n - 1, meshSecs, minReady < n - 1 ? " (NOT all: fewest " + minReady + ")" : "",
                    crossings.get(), links, links, n - 1, spreadMs);
        } finally {
            for (Node node : nodes) node.close();
        }
    }

    /** Counts what a room showed and when each text arrived. */
    private static final class Counter implements RoomListener {
        final AtomicInteger held = new AtomicInteger();
        final Map<String, Long> arrived = new ConcurrentHashMap<>();
        final Set<PeerId> ready = ConcurrentHashMap.newKeySet();
        volatile long lastAt;

        @Override
        public void onPeerReady(PeerId peer, boolean member) {
            if (member) ready.add(peer);
        }

        @Override
        public void onLive(RoomMessage m) {
            arrived.put(m.text(), System.nanoTime());
            held.incrementAndGet();
            lastAt = System.nanoTime();
        }

        @Override
        public void onCatchUp(List<RoomMessage> messages) {
            held.addAndGet(messages.size());
            lastAt = System.nanoTime();
        }

        /** Waits (bounded) until {@code n} messages were shown; false on timeout. */
        boolean await(int n, long millis) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            long nextSay = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (held.get() < n) {
                if (System.nanoTime() > end) return false;
                if (System.nanoTime() > nextSay) {
                    say("  " + held.get() + " of " + n + " shown");
                    nextSay += TimeUnit.SECONDS.toNanos(2);
                }
                Thread.sleep(5);
            }
            return true;
        }
    }

    /** A node with {@code n} messages on disk; a newcomer dials it: time until the newcomer was shown all of them. */
    static String catchUp(Path dir, int n) throws Exception {
        Identity old = Identity.generate();
        RoomConfig cfg = new RoomConfig(ROOM, old, "", Optional.of(dir), n, Duration.ofDays(365));
        try (RoomStore s = RoomStore.open(cfg.databaseFile().get())) {
            fill(s, n);
        }
        Counter newcomer = new Counter();
        try (Node a = new Node(old, Optional.of(dir), n, new Counter()); Node b = new Node(Identity.generate(), Optional.empty(), n, newcomer)) {
            long t0 = System.nanoTime();
            b.dial(a);
            boolean done = newcomer.await(n, WAIT_MS);
            double secs = (newcomer.lastAt - t0) / 1e9;
            say(String.format(Locale.ROOT, "  room catch-up: %d messages in %.2f s", newcomer.held.get(), secs));
            return done ? String.format(Locale.ROOT, "room log: catch-up of %,d messages (a newcomer dials a node holding them, in-process nodes on 127.0.0.1, "
                    + "libp2p): all shown %.2f s after the dial (%,.0f messages/s, each signature verified and stored)", n, secs, n / secs)
                    : String.format(Locale.ROOT, "room log: catch-up of %,d messages did NOT complete within %d s (%,d shown)", n, WAIT_MS / 1000, newcomer.held.get());
        }
    }

    /** {@code count} posts of A, 150 ms apart (under the own-post rate): p50 and p95 until C showed each, through B and direct. */
    static String relay(int count) throws Exception {
        String through = relayRun(count, true), direct = relayRun(count, false);
        return "room log: relay latency, post at A until shown at C (in-process nodes on 127.0.0.1, libp2p, " + count + " posts): through B " + through + "; direct " + direct;
    }

    private static String relayRun(int count, boolean viaB) throws Exception {
        Counter atC = new Counter();
        try (Node a = new Node(Identity.generate(), Optional.empty(), 1000, new Counter()); Node b = new Node(Identity.generate(), Optional.empty(), 1000, new Counter());
             Node c = new Node(Identity.generate(), Optional.empty(), 1000, atC)) {
            if (viaB) {
                a.dial(b);
                c.dial(b);
            } else {
                a.dial(c);
            }
            Thread.sleep(1500); // channels open, summaries exchanged
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String text = "relay " + i;
                long t0 = System.nanoTime();
                a.room.post(text).toCompletableFuture().get(10, TimeUnit.SECONDS);
                long end = t0 + TimeUnit.SECONDS.toNanos(10);
                Long at;
                while ((at = atC.arrived.get(text)) == null && System.nanoTime() < end) Thread.sleep(0, 200_000);
                if (at != null) ms.add((at - t0) / 1e6);
                Thread.sleep(150);
            }
            Collections.sort(ms);
            if (ms.isEmpty()) return "nothing arrived";
            return String.format(Locale.ROOT, "p50 %.2f ms, p95 %.2f ms (%d of %d arrived)", ms.get(ms.size() / 2), ms.get(Math.min(ms.size() - 1, ms.size() * 95 / 100)),
                    ms.size(), count);
        }
    }

    /** Append rate of our own posts (fsync each), batch insert rate, and /search over {@code n} messages. */
    static List<String> store(Path dir, int n) throws Exception {
        List<String> out = new ArrayList<>();
        Identity me = Identity.generate();
        try (RoomStore s = RoomStore.open(dir.resolve("own.db"))) {
            int posts = Math.min(n, 1000);
            long t0 = System.nanoTime();
            for (int i = 0; i < posts; i++) {
                long now = System.currentTimeMillis();
                String text = "own " + i;
                s.appendOwn(ROOM, 1, now, seq -> SignedMessage.sign(me, new MessageBody(ROOM, me.publicKey(), seq, now << 16, now, "", text, Optional.empty())));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            out.add(String.format(Locale.ROOT, "room store: %,d own posts (sign, one fsync'd SQLite transaction each) at %,.0f posts/s", posts, posts / secs));
        }
        try (RoomStore s = RoomStore.open(dir.resolve("many.db"))) {
            double secs = fill(s, n) / 1e9;
            out.add(String.format(Locale.ROOT, "room store: %,d messages of %d authors inserted in fsync'd transactions of %d (as catch-up stores them; signing not counted) at %,.0f messages/s",
                    n, AUTHORS, BATCH, n / secs));
            List<Double> ms = new ArrayList<>();
            int hits = 0;
            for (String w : WORDS) {
                long q0 = System.nanoTime();
                hits += s.search(ROOM, w, 50).size();
                ms.add((System.nanoTime() - q0) / 1e6);
            }
            Collections.sort(ms);
            out.add(String.format(Locale.ROOT, "room store: /search over %,d messages (FTS5, newest 50 hits): p50 %.2f ms, max %.2f ms over %d words (%d hits)",
                    n, ms.get(ms.size() / 2), ms.get(ms.size() - 1), ms.size(), hits));
        }
        return out;
    }

    /** The app with a history of {@code n} messages on disk against an empty one: time to Listening on, RSS once the store is open. */
    static List<String> startup(Path dir, int n, Path mods, String java) throws Exception {
        Identity id = Identity.generate();
        Path key = dir.resolve("id.key"), full = dir.resolve("full"), empty = dir.resolve("empty");
        Files.createDirectories(dir);
        id.save(key);
        try (RoomStore s = RoomStore.open(new RoomConfig(ROOM, id, "", Optional.of(full), n, Duration.ofDays(365)).databaseFile().get())) {
            fill(s, n);
        }
        List<String> out = new ArrayList<>();
        for (Path data : List.of(empty, full)) {
            List<String> cmd = List.of(java, "-p", mods.toAbsolutePath().toString(), "-m", "lanchat.app", "-port", "0", "--host", "127.0.0.1", "--identity", key.toString(),
                    "--data", data.toString(), "--history-limit", String.valueOf(Math.max(n, 1)), "--history-hours", "8760");
            long t0 = System.nanoTime();
            try (Proc p = Proc.start("room-startup-" + data.getFileName(), cmd, dir, dir)) {
                Optional<Proc.Line> listening = p.await(l -> l.startsWith("Listening on "), 60_000);
                if (listening.isEmpty()) {
                    out.add("room startup with " + data.getFileName() + " history: no `Listening on` within 60 s");
                    continue;
                }
                double secs = (listening.get().nanos() - t0) / 1e9;
                p.send("/history 1"); // answered once the store is open: RSS with the history held, not before
                Optional<Proc.Line> answered = p.await(l -> l.startsWith("* the last 1 line") || l.startsWith("* no history"), 60_000);
                Thread.sleep(500);
                long rss = p.rssKiB();
                String what = data == full ? String.format(Locale.ROOT, "%,d messages", n) : "no messages";
                out.add(String.format(Locale.ROOT, "room startup (app process, --identity --data, history of %s): `Listening on` after %.2f s; RSS %,d MiB once %s",
                        what, secs, rss / 1024, answered.isPresent() ? "/history answered (store open)" : "/history did NOT answer within 60 s"));
            }
        }
        return out;
    }
}
