package lanchat.room;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;
import lanchat.api.spi.ChannelLimits;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.ProtocolNotSupportedException;
import lanchat.room.store.RoomStore;
import lanchat.room.wire.Frame;
import lanchat.room.wire.WireLimits;

/**
 * One chat room's replicated, signed history, spoken as {@code /lanchat/room/1.0.0} over the sessions the app hands
 * it. Every method returns at once; the work runs on the room's own thread (the history database is opened there
 * too, off the start-up path) and events reach the {@link RoomListener} on that thread. A room without a history file
 * (no data directory) opens its in-memory store only when the first message needs it (a line posted or relayed, a
 * room channel with a peer): until then SQLite and its native library are not loaded, which an idle node's start-up
 * time and memory notice (issue 16).
 *
 * <p>The app's part:
 * <ol>
 *   <li>{@link #open} the room before the transports listen, and register {@link #protocolHandler()} with each
 *       transport ({@code transport.registerProtocol(room.protocolHandler())});
 *   <li>{@link #attach} every session that is a member of the room (the dialer opens the room channel; a peer that does
 *       not speak it, e.g. a go or js {@code /chat/1.x} peer, is a plain peer); {@link #detach} it when it ends;
 *   <li>hand every chat line that arrives on a session to {@link #onPlainMessage} (only plain peers send them);
 *   <li>send what the user types with {@link #post} instead of broadcasting it: the room sends it to LAN Chat peers
 *       and, as a plain chat line, to plain peers;
 *   <li>show {@link RoomListener} events, the {@code [N pending] >} prompt ({@link #pendingCount()}) and answer
 *       {@code /history}, {@code /search}, {@code /pending} with {@link #history}, {@link #search}, {@link #pending}.
 * </ol>
 */
public final class Room implements AutoCloseable {
    public static final String PROTOCOL_ID = "/lanchat/room/1.0.0";
    /** 64 KiB frames; a 1 MiB send buffer (relay to a slow peer fails rather than buffers more); two channels per session. */
    public static final ChannelLimits CHANNEL_LIMITS = new ChannelLimits(WireLimits.MAX_FRAME_BYTES, 1 << 20, 256 * 1024, 2);

    /** The longest text a room message carries (UTF-8 bytes); a longer line can only go as a plain chat line ({@link #sendPlain}). */
    public static final int MAX_TEXT_BYTES = WireLimits.MAX_TEXT_BYTES;

    /** Whether {@code text} fits in a room message. */
    public static boolean fits(String text) {
        return lanchat.room.wire.MessageBody.utf8Length(text) <= MAX_TEXT_BYTES;
    }

    /** How long an inbound session may go without the dialer opening the room channel before we try ourselves. */
    static final long PLAIN_PROBE_MS = 3_000;
    /** How long a room channel of a session the app has not attached (yet) is held before it is reset. */
    static final long PARK_MS = 10_000;
    static final int MAX_PARKED = 64;
    private static final long TICK_MS = 250;

    private final RoomConfig config;
    private final Tuning tuning;
    private final LongSupplier clock;
    private final ScheduledExecutorService loop;
    private final Events events;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    // room thread only:
    private RoomLog log;
    private RoomStore store;
    private final Map<SessionKey, Attached> sessions = new HashMap<>();
    private final Map<PeerId, ArrayDeque<ProtocolChannel>> channels = new HashMap<>();
    private final Map<ProtocolChannel, Long> parked = new LinkedHashMap<>();
    private String nick;
    private volatile int pendingCount;
    private volatile int attachedCount;
    private volatile boolean closed;
    /** Not even an in-memory store opened (SQLite's native library cannot load): no room protocol, plain lines only. */
    private volatile boolean unavailable;
    /** Why, once {@link #unavailable}. */
    private Throwable unavailableCause;
    private final Stores stores;
    /** Plain peers' lines forwarded to our plain peers (room thread only): each once, however many members relayed it. */
    private final PlainLines forwardedPlain = new PlainLines();
    /**
     * Plain peers' lines relayed into the log (room thread only): a peer with two sessions with us (two connections
     * until one retires) that writes its line on both said it once, so it is relayed once.
     */
    private final PlainLines relayedPlain = new PlainLines();

    /** Where the room's store comes from; tests inject one that fails like a missing native library. */
    interface Stores {
        RoomStore open(java.nio.file.Path file) throws java.io.IOException;
        RoomStore inMemory();
        Stores SQLITE = new Stores() {
            @Override public RoomStore open(java.nio.file.Path file) throws java.io.IOException { return RoomStore.open(file); }
            @Override public RoomStore inMemory() { return RoomStore.inMemory(); }
        };
    }

    private Room(RoomConfig config, RoomListener listener, Tuning tuning, LongSupplier clock, Stores stores) {
        this.stores = stores;
        this.config = config;
        this.tuning = tuning;
        this.clock = clock;
        this.nick = config.nick();
        this.events = new Events(listener);
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lanchat-room");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens a room: returns at once, the history database opens on the room's thread ({@link #ready()}). */
    public static Room open(RoomConfig config, RoomListener listener) {
        return open(config, listener, Tuning.DEFAULTS, System::currentTimeMillis);
    }

    static Room open(RoomConfig config, RoomListener listener, Tuning tuning, LongSupplier clock) {
        return open(config, listener, tuning, clock, Stores.SQLITE);
    }

    static Room open(RoomConfig config, RoomListener listener, Tuning tuning, LongSupplier clock, Stores stores) {
        Room room = new Room(config, listener, tuning, clock, stores);
        room.loop.execute(room::start);
        return room;
    }

    private void start() {
        try {
            // no history on disk: nothing to show or catch up with before the first message, so nothing to open yet
            if (config.databaseFile().isEmpty()) {
                ready.complete(null);
                return;
            }
            if (ensureLog()) ready.complete(null);
            else ready.completeExceptionally(unavailableCause);
        } catch (RuntimeException e) {
            ready.completeExceptionally(e);
            events.onRejected("room " + config.room() + ": cannot start: " + e.getMessage());
        }
    }

    /**
     * The room log, opened now if it is not open yet (room thread): the history file, else (or when that cannot open)
     * an in-memory store. False when not even that opens (SQLite's native library cannot load): said in one line, and
     * from then on the room is {@link #available() unavailable} and every session gets plain lines.
     */
    private boolean ensureLog() {
        if (log != null) return true;
        if (unavailable) return false;
        Optional<java.nio.file.Path> file = config.databaseFile();
        Throwable historyFailure = null;
        RoomStore opened = null;
        if (file.isPresent()) {
            try {
                opened = stores.open(file.get());
            } catch (Exception | LinkageError e) { // LinkageError: SQLite's native library cannot load on this machine
                historyFailure = e;
            }
        }
        RoomLog started = null;
        try {
            if (opened == null) opened = stores.inMemory();
            started = new RoomLog(config, opened, tuning, clock, loop, new ChannelOutbox(), events);
            started.setNick(nick); // the nick may have changed since the room opened (a lazy store opens late)
            started.start();
        } catch (Exception | LinkageError e) {
            if (opened != null) opened.close();
            // no store at all: peers must not get a room channel that drops their messages; we chat in plain lines
            unavailable = true;
            unavailableCause = e;
            events.onRejected("room " + config.room() + ": room log unavailable (" + e + "): chatting in plain lines, without history");
            for (Attached a : sessions.values()) makePlain(a);
            return false;
        }
        if (historyFailure != null) // one line: said only once we know the room runs (in memory)
            events.onRejected("room " + config.room() + ": history unavailable (" + historyFailure + "): chatting without history (this session's messages in memory only)");
        store = opened;
        log = started;
        loop.scheduleWithFixedDelay(() -> safely(() -> log.tick()), TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        return true;
    }

    /**
     * Completes once the room runs: with a history file, once it is open (fails if not even an in-memory store opens);
     * without one, at once (its in-memory store opens on the first message that needs it).
     */
    public CompletionStage<Void> ready() {
        return ready;
    }

    /** Register with every transport before it listens: accepts the room channels peers open. */
    public ProtocolHandler protocolHandler() {
        return new ProtocolHandler(PROTOCOL_ID, CHANNEL_LIMITS, channel -> run(() -> inbound(channel), channel::reset));
    }

    /** A session of a room member: the room channel is opened (by the dialer) and both sides catch up. */
    public void attach(ChatSession session) {
        run(() -> {
            SessionKey key = SessionKey.of(session);
            if (sessions.containsKey(key)) return;
            Attached a = new Attached(session);
            sessions.put(key, a);
            attachedCount = sessions.size();
            for (Iterator<ProtocolChannel> it = parked.keySet().iterator(); it.hasNext(); ) {
                ProtocolChannel ch = it.next();
                if (SessionKey.of(ch.session()).equals(key)) {
                    it.remove();
                    adopt(a, ch);
                }
            }
            if (unavailable) makePlain(a);
            else if (session.direction() == Direction.OUTBOUND) openChannel(a);
            else loop.schedule(() -> safely(() -> {
                if (sessions.get(key) == a && a.channels.isEmpty() && !a.plain && session.isOpen()) openChannel(a);
            }), PLAIN_PROBE_MS, TimeUnit.MILLISECONDS);
        }, () -> { });
    }

    /** The session ended or left the room: its channels close. */
    public void detach(ChatSession session) {
        run(() -> {
            Attached a = sessions.remove(SessionKey.of(session));
            attachedCount = sessions.size();
            if (a == null) return;
            for (ProtocolChannel ch : new ArrayList<>(a.channels)) {
                dropChannel(ch);
                ch.close();
            }
        }, () -> { });
    }

    /**
     * A chat line that arrived on a session (from a plain libp2p peer): shown at once marked unsigned (as an
     * {@link RoomListener#onLive} event) and relayed to the room signed by us with {@code relayed_from} set; a copy
     * of it on another session of the same peer is not relayed again.
     */
    public void onPlainMessage(ChatSession session, ChatMessage message) {
        PeerId from = session.remotePeer();
        run(() -> {
            if (relayedPlain.firstDirectCopy(session, message.text()) && ensureLog()) log.relayPlain(from, message.nick().orElse(""), message.text());
        }, () -> { });
    }

    /**
     * Posts a line: signed, stored and committed (its seq can never be reused) before it is sent to every room
     * neighbour, and as a plain chat line to plain peers. Fails when the text is longer than 16 KiB or we post faster
     * than peers accept.
     */
    public CompletionStage<RoomMessage> post(String text) {
        return call(() -> {
            if (!ensureLog()) throw new IllegalStateException("room " + config.room() + ": no room log (see above): send plain lines");
            return postNow(text);
        });
    }

    private RoomMessage postNow(String text) {
        RoomMessage m = log.post(text);
        ChatMessage line = ChatMessage.of(nick.isEmpty() ? null : nick, text);
        for (Attached a : sessions.values()) a.sendPlain(line, true);
        return m;
    }

    /**
     * What became of a line given to {@link #send}.
     *
     * @param sessions the sessions attached when it was kept, or those it went (or waits to go) to as a plain line
     * @param kept whether the room log kept it (signed, stored, sent through the log); false: a plain chat line
     */
    public record Sent(int sessions, boolean kept) {}

    /**
     * Sends a typed line: {@link #post}ed when it fits in a room message and the room log runs (opening it now if
     * this is the first message that needs it), otherwise sent as {@code line}, a plain chat line ({@link #sendPlain}).
     * A room log that cannot open is said once ({@link RoomListener#onRejected}) and the line still goes out, plain.
     * Fails like {@link #post} when the log refuses it (e.g. we post faster than peers accept).
     */
    public CompletionStage<Sent> send(ChatMessage line) {
        return call(() -> {
            if (fits(line.text()) && ensureLog()) {
                postNow(line.text());
                return new Sent(sessions.size(), true);
            }
            int n = 0;
            for (Attached a : sessions.values()) if (a.sendPlain(line, false)) n++;
            return new Sent(n, false);
        });
    }

    /**
     * Sends a line that is not kept in the room's log (longer than a room message may be) as a plain chat line to every
     * attached session, room members included; each peer shows it as unsigned. Lines go out in the order posted, also
     * relative to {@link #post}: to a session not yet known to speak the room protocol they wait until it is.
     * Completes with the number of sessions it went (or waits to go) to.
     */
    public CompletionStage<Integer> sendPlain(ChatMessage line) {
        return call(() -> {
            int n = 0;
            for (Attached a : sessions.values()) if (a.sendPlain(line, false)) n++;
            return n;
        });
    }

    /**
     * Whether the room log runs or may still open; false once not even an in-memory store could open (SQLite cannot
     * load): then {@link #send} sends every line as a plain line, and {@link #post} fails.
     */
    public boolean available() {
        return !unavailable;
    }

    /** Sessions attached now (room members and plain peers), readable from the room thread's last update. */
    public int attachedCount() {
        return attachedCount;
    }

    /** The nick put in our next messages. */
    public void setNick(String nick) {
        run(() -> {
            this.nick = nick == null ? "" : nick;
            if (log != null) log.setNick(this.nick);
        }, () -> { });
    }

    /** The last {@code n} messages in room order, oldest first (the conversation where it was, after a restart). */
    public CompletionStage<List<RoomMessage>> history(int n) {
        return call(() -> log == null ? List.<RoomMessage>of() : log.history(n));
    }

    /** Messages containing {@code text} (words; the last may be a prefix), newest first, at most 50. */
    public CompletionStage<List<RoomMessage>> search(String text) {
        return call(() -> log == null ? List.<RoomMessage>of() : log.search(text, 50));
    }

    /** Our messages not every member holds yet, and who lacks each. */
    public CompletionStage<List<PendingMessage>> pending() {
        return call(() -> log == null ? List.<PendingMessage>of() : log.pending());
    }

    /** How many of our messages are pending, for the prompt; readable from any thread. */
    public int pendingCount() {
        return pendingCount;
    }

    /** Closes the room's channels and its database; bounded. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            loop.submit(() -> {
                for (ArrayDeque<ProtocolChannel> q : channels.values()) for (ProtocolChannel ch : q) ch.close();
                for (ProtocolChannel ch : parked.keySet()) ch.reset();
                channels.clear();
                parked.clear();
                if (store != null) store.close();
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway: the thread goes below
        }
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- channels (room thread)

    private void inbound(ProtocolChannel ch) {
        if (unavailable) {
            refuse(ch);
            return;
        }
        Attached a = sessions.get(SessionKey.of(ch.session()));
        if (a != null) {
            adopt(a, ch);
            return;
        }
        // the app admits sessions (room membership) on its own time: hold the channel unread until it does
        parked.put(ch, clock.getAsLong());
        if (parked.size() > MAX_PARKED) {
            Iterator<ProtocolChannel> eldest = parked.keySet().iterator();
            ProtocolChannel old = eldest.next();
            eldest.remove();
            old.reset();
        }
        loop.schedule(() -> safely(() -> {
            if (parked.remove(ch) != null) ch.reset();
        }), PARK_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Without a room log, a peer's room channel is answered with one SUMMARY for {@link Frame#NO_ROOM_LOG} and closed:
     * the peer then treats us as a plain peer and sends us plain chat lines (a bare reset would leave it sending its
     * lines into a channel nobody reads). The protocol stays registered (the store opens after we listen), so this,
     * not multistream, is the refusal; peers that predate it read it as "another room", with the same result.
     */
    private void refuse(ProtocolChannel ch) {
        ch.setListener(new ChannelListener() {
            @Override
            public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) {
                return CompletableFuture.completedFuture(null); // not read: the channel is closing
            }

            @Override
            public void onClosed(ProtocolChannel channel, Throwable cause) {
            }
        });
        ch.send(Frame.encode(new Frame.Summary(Frame.NO_ROOM_LOG, List.of(), false)));
        ch.close();
    }

    private void openChannel(Attached a) {
        a.session.openChannel(PROTOCOL_ID).whenComplete((ch, e) -> run(() -> {
            if (e == null) {
                if (sessions.get(SessionKey.of(a.session)) == a) adopt(a, ch);
                else ch.close();
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ProtocolNotSupportedException) {
                a.plain = true; // a go/js chat peer: plain lines only
                a.decided(false);
                events.onPeerReady(a.session.remotePeer(), false);
            }
            else if (a.session.isOpen()) {
                events.onRejected("room " + config.room() + ": cannot open the room channel to " + a.session.remotePeer().shortString() + ": " + cause.getMessage());
                // a timeout on a loaded machine must not leave the peer outside the room for the whole session
                if (++a.openFailures <= MAX_OPEN_RETRIES) {
                    loop.schedule(() -> safely(() -> {
                        if (sessions.get(SessionKey.of(a.session)) == a && a.channels.isEmpty() && !a.plain && a.session.isOpen()) openChannel(a);
                    }), PLAIN_PROBE_MS * a.openFailures, TimeUnit.MILLISECONDS);
                }
            }
        }, () -> {
            if (ch != null) ch.reset();
        }));
    }

    /**
     * A line that reached the room live (from a member, or a plain peer's line we or another member relayed) goes on to
     * the plain peers attached here as a plain chat line, {@code nick: text} as a go/js chat peer shows it: they hear
     * the room only through the members they are connected to. Never back to the plain peer the line came from. Our own
     * posts go out in {@link #post}; catch-up blocks are history, which plain peers never get. Bounded by what feeds
     * it (the log's per-author and plain-line rates) and by each session's send queue.
     */
    private void forwardToPlainPeers(RoomMessage m) {
        Optional<PeerId> origin = m.relayedFrom();
        // a plain peer's line comes relayed by every member connected to it (and by us): forward it once
        if (origin.isPresent() && !forwardedPlain.firstRelayedCopy(origin.get(), m.text(), m.author())) return;
        String who = !m.nick().isEmpty() ? m.nick() : origin.orElse(m.author()).shortString();
        ChatMessage line = ChatMessage.of(nick.isEmpty() ? null : nick, who + ": " + m.text());
        for (Attached a : sessions.values()) {
            // logged: a session that turns out to speak the room protocol gets the line through the log instead
            if (origin.isEmpty() || !origin.get().equals(a.session.remotePeer())) a.sendPlain(line, true);
        }
    }

    /** Without a room log: the session gets (and what waited for it gets) plain chat lines only. */
    private void makePlain(Attached a) {
        if (a.plain) return;
        a.plain = true;
        a.decided(false);
        events.onPeerReady(a.session.remotePeer(), false);
    }

    private void adopt(Attached a, ProtocolChannel ch) {
        PeerId peer = ch.session().remotePeer();
        if (!ensureLog()) { // the first room channel is what opens a lazy store; without any, the peer hears so
            refuse(ch);
            makePlain(a);
            return;
        }
        if (a.plain) { // decided already: another room's member, or a refusal we trust more than a late channel
            ch.close();
            return;
        }
        a.channels.add(ch);
        // not decided yet: lines wait (bounded) until the peer's SUMMARY names our room (ChannelOutbox.confirmed); a
        // node without a room log or of another room answers the channel with one naming another, and then gets them
        // as plain lines instead of losing those posted in that first round trip
        channels.computeIfAbsent(peer, p -> new ArrayDeque<>()).addLast(ch);
        ch.setListener(new ChannelListener() {
            @Override
            public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) {
                // done with once the room thread processed it: a flooding peer fills its receive buffer and stops
                CompletableFuture<Void> done = new CompletableFuture<>();
                run(() -> {
                    try {
                        if (a.channels.contains(channel)) log.receive(peer, message);
                    } finally {
                        done.complete(null);
                    }
                }, () -> done.complete(null));
                return done;
            }

            @Override
            public void onClosed(ProtocolChannel channel, Throwable cause) {
                run(() -> dropChannel(channel), () -> { });
            }
        });
        log.connected(peer);
        events.onPeerReady(peer, true);
    }

    private void dropChannel(ProtocolChannel ch) {
        PeerId peer = ch.session().remotePeer();
        Attached a = sessions.get(SessionKey.of(ch.session()));
        if (a != null) a.channels.remove(ch);
        ArrayDeque<ProtocolChannel> q = channels.get(peer);
        if (q == null || !q.remove(ch)) return;
        if (q.isEmpty()) {
            channels.remove(peer);
            log.disconnected(peer);
        }
    }

    /** Frames go on the newest open channel to the peer (a peer may be reachable over two transports). */
    private final class ChannelOutbox implements RoomLog.Outbox {
        @Override
        public CompletionStage<Void> send(PeerId peer, byte[] frame) {
            ArrayDeque<ProtocolChannel> q = channels.get(peer);
            ProtocolChannel ch = q == null ? null : q.peekLast();
            if (ch == null || !ch.isOpen()) return CompletableFuture.failedFuture(new IllegalStateException("no room channel to " + peer.shortString()));
            return ch.send(frame);
        }

        @Override
        public void confirmed(PeerId peer) {
            for (Attached a : sessions.values()) {
                if (a.session.remotePeer().equals(peer) && !a.channels.isEmpty() && !a.plain && !a.confirmed) {
                    a.confirmed = true;
                    a.decided(true);
                }
            }
        }

        @Override
        public void otherRoom(PeerId peer, String itsRoom) {
            for (Attached a : sessions.values()) {
                if (!a.session.remotePeer().equals(peer) || a.plain) continue;
                a.plain = true;
                for (ProtocolChannel ch : new ArrayList<>(a.channels)) {
                    dropChannel(ch);
                    ch.close();
                }
                a.decided(false);
                events.onPeerReady(peer, false);
            }
        }

        @Override
        public void reset(PeerId peer, String why) {
            ArrayDeque<ProtocolChannel> q = channels.get(peer);
            if (q != null) for (ProtocolChannel ch : new ArrayList<>(q)) ch.reset();
        }
    }

    // ---------------------------------------------------------------- thread hops

    private void run(Runnable task, Runnable ifClosed) {
        try {
            if (closed) throw new RejectedExecutionException();
            loop.execute(() -> safely(task));
        } catch (RejectedExecutionException e) {
            ifClosed.run();
        }
    }

    private <T> CompletionStage<T> call(Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        run(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }, () -> f.completeExceptionally(new IllegalStateException("room " + config.room() + " is closed")));
        return f;
    }

    /** One failing task (a disk error, a bug) is reported and the room keeps running. */
    private void safely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            events.onRejected("room " + config.room() + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- state

    /** A session by peer and connection: the transport hands us the same session as different objects at times. */
    private record SessionKey(PeerId peer, String connectionId) {
        static SessionKey of(ChatSession s) {
            return new SessionKey(s.remotePeer(), s.connectionId());
        }
    }

    private final class Attached {
        final ChatSession session;
        final Set<ProtocolChannel> channels = new LinkedHashSet<>();
        /** The peer refused the room protocol (or is in another room): it gets our lines as plain chat lines. */
        boolean plain;
        /** A room channel is open and the peer's SUMMARY named our room: our lines reach it through the log. */
        boolean confirmed;
        /**
         * Lines posted before we knew whether the peer speaks the room protocol (an inbound session waits up to
         * {@link #PLAIN_PROBE_MS} for the dialer's channel; an open channel, for the peer's first SUMMARY, which may
         * say it has no room log or another room): sent as plain lines if it does not; if it does, only the
         * ones the log does not carry ({@code logged} false). Bounded: {@link #MAX_HELD}.
         */
        final ArrayDeque<Held> held = new ArrayDeque<>();
        long heldBytes;
        /** Failed attempts to open the room channel (not refusals), each retried later, at most {@link #MAX_OPEN_RETRIES}. */
        int openFailures;

        Attached(ChatSession session) {
            this.session = session;
        }

        /** Sends (or holds) {@code line}; {@code logged}: room members get it through the log instead. Whether it is for this session. */
        boolean sendPlain(ChatMessage line, boolean logged) {
            if (!session.isOpen()) return false;
            if (plain) {
                session.send(line);
                return true;
            }
            if (!channels.isEmpty() && confirmed) {
                if (!logged) session.send(line);
                return !logged;
            }
            held.add(new Held(line, logged));
            heldBytes += line.text().length();
            while (held.size() > MAX_HELD || heldBytes > MAX_HELD_CHARS) {
                heldBytes -= held.poll().line().text().length();
                events.onRejected("room " + config.room() + ": more than " + MAX_HELD + " lines (or " + MAX_HELD_CHARS / 1024 + " Ki characters) waited for "
                        + session.remotePeer().shortString() + " to show whether it speaks the room protocol: the oldest were dropped");
            }
            return true;
        }

        /** The peer turned out to speak the room protocol ({@code room} true) or not: what waited goes out, or not. */
        void decided(boolean room) {
            for (Held h; (h = held.poll()) != null; ) if (!room || !h.logged()) session.send(h.line());
            heldBytes = 0;
        }
    }

    private record Held(ChatMessage line, boolean logged) {}

    /** Times a room channel that failed to open (not refused) is tried again, 3 s, 6 s, 9 s later. */
    static final int MAX_OPEN_RETRIES = 3;

    /** Lines held per undecided session (see {@link Attached#held}). */
    static final int MAX_HELD = 256;
    /** ... and their characters: a few long (plain-only) lines must not hold megabytes per session. */
    static final int MAX_HELD_CHARS = 1 << 20;

    /** The app's listener, guarded: an exception in it is reported, never lets the room thread die. */
    private final class Events implements RoomListener {
        private final RoomListener app;
        private final Set<String> reported = java.util.Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > 256;
            }
        });

        Events(RoomListener app) {
            this.app = app;
        }

        @Override
        public void onLive(RoomMessage message) {
            guard(() -> forwardToPlainPeers(message)); // a failure here must not cost the app the line
            guard(() -> app.onLive(message));
        }

        @Override
        public void onCatchUp(List<RoomMessage> messages) {
            guard(() -> app.onCatchUp(messages));
        }

        @Override
        public void onDelivered(RoomMessage message) {
            guard(() -> app.onDelivered(message));
        }

        @Override
        public void onPendingCount(int pending) {
            pendingCount = pending;
            guard(() -> app.onPendingCount(pending));
        }

        @Override
        public void onPeerReady(PeerId peer, boolean speaksRoom) {
            guard(() -> app.onPeerReady(peer, speaksRoom));
        }

        @Override
        public void onRejected(String reason) {
            // one line per distinct cause: a failing disk must not print a line every tick
            if (reported.add(reason)) guard(() -> app.onRejected(reason));
        }

        private void guard(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.getLogger(Room.class.getName()).log(System.Logger.Level.WARNING, "room listener failed", e);
            }
        }
    }
}
