package lanchat.room;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.room.store.RoomStore;

/**
 * A simulated room: {@link RoomLog}s joined by in-memory links, each direction a FIFO queue (as a channel is), with a
 * simulated clock and a seeded random choice of which link delivers next. Deterministic for a seed: the identities come
 * from the seed, and nothing reads the real clock.
 */
final class SimNet implements AutoCloseable {
    static final String ROOM = "lobby";
    static final long START = 1_700_000_000_000L;
    static final long TICK_MS = 100;

    final Random random;
    final Tuning tuning;
    long now = START;
    private long nextTick = START + TICK_MS;
    final List<Node> nodes = new ArrayList<>();
    private final Map<PeerId, Node> byPeer = new HashMap<>();
    /** Frames in flight, by [from, to] index; a TreeMap so the random pick is reproducible. */
    private final TreeMap<Long, ArrayDeque<byte[]>> queues = new TreeMap<>();
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    /** Every frame sent, as (from, to, frame), for tests that look at the wire. */
    Consumer<Sent> wire = s -> { };
    /** Frames this says true of are lost on the way (a lossy path), before {@link #wire} sees them. */
    java.util.function.Predicate<Sent> lose = s -> false;
    long delivered;

    record Sent(Node from, Node to, byte[] frame) {
        /** The frame decoded (everything the engines send must decode). */
        lanchat.room.wire.Frame decoded() {
            try {
                return lanchat.room.wire.Frame.decode(frame);
            } catch (lanchat.room.wire.Rejection r) {
                throw new AssertionError("an engine sent an invalid frame: " + r.getMessage());
            }
        }
    }

    SimNet(long seed, Tuning tuning) {
        this.random = new Random(seed);
        this.tuning = tuning;
    }

    SimNet(long seed) {
        this(seed, Tuning.DEFAULTS);
    }

    /** An identity drawn from the seed. */
    Identity identity() {
        byte[] s = new byte[32];
        random.nextBytes(s);
        return Identity.fromSeed(s);
    }

    Node add() {
        return add(identity(), RoomStore.inMemory(), 0);
    }

    Node add(Identity identity, RoomStore store, long clockSkewMs) {
        return add(new RoomConfig(ROOM, identity, "n" + nodes.size(), Optional.empty(), RoomConfig.DEFAULT_HISTORY_LIMIT, RoomConfig.DEFAULT_HISTORY_AGE), store, clockSkewMs, tuning);
    }

    Node add(RoomConfig config, RoomStore store, long clockSkewMs, Tuning t) {
        Node n = new Node(nodes.size(), config, store, clockSkewMs, t);
        nodes.add(n);
        byPeer.put(n.peer, n);
        n.start();
        return n;
    }

    /** {@code n} new nodes linked in a line (0 - 1 - ... - n-1), their summaries and have-vectors exchanged. */
    Node[] line(int n) {
        Node[] out = new Node[n];
        for (int i = 0; i < n; i++) {
            out[i] = add();
            if (i > 0) link(out[i - 1], out[i]);
        }
        settle(2000);
        return out;
    }

    /** Replaces a node by a new engine on the store it is given (a restart; the old store must be closed by the caller). */
    Node restart(Node old, RoomStore store) {
        for (Node other : nodes) if (other != old && isUp(old, other)) unlink(old, other);
        Node n = new Node(old.index, old.config, store, old.skewMs, old.nodeTuning);
        nodes.set(old.index, n);
        byPeer.put(n.peer, n);
        n.start();
        return n;
    }

    // ---------------------------------------------------------------- links

    private long key(Node from, Node to) {
        return (long) from.index << 32 | to.index;
    }

    boolean isUp(Node a, Node b) {
        return queues.containsKey(key(a, b));
    }

    void link(Node a, Node b) {
        if (isUp(a, b)) return;
        queues.put(key(a, b), new ArrayDeque<>());
        queues.put(key(b, a), new ArrayDeque<>());
        a.log.connected(b.peer);
        b.log.connected(a.peer);
    }

    /** Cuts the link both ways; what was in flight is lost (as on a dropped connection). */
    void unlink(Node a, Node b) {
        if (!isUp(a, b)) return;
        queues.remove(key(a, b));
        queues.remove(key(b, a));
        a.log.disconnected(b.peer);
        b.log.disconnected(a.peer);
    }

    /** Hands {@code frame} to {@code to} as if {@code from} had sent it (a hostile or broken peer). */
    void inject(Node from, Node to, byte[] frame) {
        to.log.receive(from.peer, frame);
    }

    // ---------------------------------------------------------------- running

    /** Delivers one frame from a randomly chosen link, or runs one pending task; false when there is nothing to do. */
    boolean step() {
        if (!tasks.isEmpty() && random.nextInt(4) == 0) {
            tasks.poll().run();
            return true;
        }
        List<Long> busy = new ArrayList<>();
        for (Map.Entry<Long, ArrayDeque<byte[]>> e : queues.entrySet()) if (!e.getValue().isEmpty()) busy.add(e.getKey());
        if (busy.isEmpty()) {
            if (tasks.isEmpty()) return false;
            tasks.poll().run();
            return true;
        }
        long k = busy.get(random.nextInt(busy.size()));
        byte[] frame = queues.get(k).poll();
        Node from = nodes.get((int) (k >>> 32)), to = nodes.get((int) k);
        delivered++;
        to.log.receive(from.peer, frame);
        return true;
    }

    /** Advances the clock, ticking every node every {@link #TICK_MS}. */
    void advance(long ms) {
        long until = now + ms;
        while (nextTick <= until) {
            now = nextTick;
            nextTick += TICK_MS;
            for (Node n : nodes) n.log.tick();
        }
        now = until;
    }

    /** Runs for {@code ms} of simulated time: everything in flight is delivered, time moves in small steps. */
    void settle(long ms) {
        long until = now + ms;
        int guard = 0;
        while (now < until) {
            while (step()) {
                if (++guard > 5_000_000) throw new AssertionError("the room does not settle: a frame storm");
            }
            advance(Math.min(TICK_MS, until - now));
        }
        while (step()) {
            if (++guard > 5_000_000) throw new AssertionError("the room does not settle: a frame storm");
        }
    }

    @Override
    public void close() {
        for (Node n : nodes) n.store.close();
    }

    /** One member: its engine, its store and what it showed. */
    final class Node implements RoomListener, RoomLog.Outbox {
        final int index;
        final RoomConfig config;
        final Identity identity;
        final PeerId peer;
        final RoomStore store;
        final long skewMs;
        final Tuning nodeTuning;
        RoomLog log;
        /** Every message shown: our posts, live ones and catch-up blocks, in the order shown. */
        final List<RoomMessage> shown = new ArrayList<>();
        final List<List<RoomMessage>> blocks = new ArrayList<>();
        final List<RoomMessage> delivered = new ArrayList<>();
        final List<String> rejected = new ArrayList<>();
        final List<PeerId> resets = new ArrayList<>();
        int pendingCount;

        Node(int index, RoomConfig config, RoomStore store, long skewMs, Tuning t) {
            this.index = index;
            this.config = config;
            this.identity = config.identity();
            this.peer = identity.peerId();
            this.store = store;
            this.skewMs = skewMs;
            this.nodeTuning = t;
        }

        void start() {
            log = new RoomLog(config, store, nodeTuning, () -> now + skewMs, tasks::add, this, this);
            log.start();
        }

        RoomMessage post(String text) {
            RoomMessage m = log.post(text);
            shown.add(m);
            return m;
        }

        List<RoomMessage> history() {
            return log.history(1_000_000);
        }

        @Override
        public CompletionStage<Void> send(PeerId to, byte[] frame) {
            Node target = byPeer.get(to);
            ArrayDeque<byte[]> q = target == null ? null : queues.get(key(this, target));
            if (q == null) return CompletableFuture.failedFuture(new IllegalStateException("no link"));
            if (frame.length > lanchat.room.wire.WireLimits.MAX_FRAME_BYTES) throw new AssertionError("frame of " + frame.length + " bytes");
            Sent sent = new Sent(this, target, frame);
            if (lose.test(sent)) return CompletableFuture.completedFuture(null);
            wire.accept(sent);
            q.add(frame);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void reset(PeerId to, String why) {
            resets.add(to);
            unlink(this, byPeer.get(to));
        }

        @Override
        public void onLive(RoomMessage message) {
            shown.add(message);
        }

        @Override
        public void onCatchUp(List<RoomMessage> messages) {
            blocks.add(messages);
            shown.addAll(messages);
        }

        @Override
        public void onDelivered(RoomMessage message) {
            delivered.add(message);
        }

        @Override
        public void onPendingCount(int pending) {
            pendingCount = pending;
        }

        @Override
        public void onRejected(String reason) {
            rejected.add(reason);
        }

        @Override
        public String toString() {
            return "node" + index;
        }
    }
}
