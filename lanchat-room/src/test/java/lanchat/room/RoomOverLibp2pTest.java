package lanchat.room;

import static lanchat.api.testkit.TransportHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Plugins;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import lanchat.api.spi.TransportProvider;
import lanchat.api.testkit.TransportHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rooms over real libp2p transports (found through {@link Plugins}, as the app finds them) on 127.0.0.1: relay over a
 * partial mesh, receipts, a plain chat peer, and a restart on the same data dir.
 */
class RoomOverLibp2pTest {
    private static final long WAIT_S = TransportHarness.WAIT.toSeconds();
    private final TransportProvider libp2p = Plugins.installed().transport("libp2p");
    private final List<AutoCloseable> open = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    /** What a room told its app, in queues. */
    static final class Recorder implements RoomListener {
        final BlockingQueue<RoomMessage> live = new LinkedBlockingQueue<>();
        final BlockingQueue<List<RoomMessage>> blocks = new LinkedBlockingQueue<>();
        final BlockingQueue<RoomMessage> delivered = new LinkedBlockingQueue<>();
        final BlockingQueue<String> ready = new LinkedBlockingQueue<>();
        final BlockingQueue<String> rejected = new LinkedBlockingQueue<>();

        @Override
        public void onLive(RoomMessage message) {
            live.add(message);
        }

        @Override
        public void onCatchUp(List<RoomMessage> messages) {
            blocks.add(messages);
        }

        @Override
        public void onDelivered(RoomMessage message) {
            delivered.add(message);
        }

        @Override
        public void onPeerReady(PeerId peer, boolean speaksRoom) {
            ready.add(peer + " " + speaksRoom);
        }

        @Override
        public void onRejected(String reason) {
            rejected.add(reason);
        }

        static <T> T next(BlockingQueue<T> q) throws InterruptedException {
            T t = q.poll(WAIT_S, TimeUnit.SECONDS);
            if (t == null) throw new AssertionError("no event within " + WAIT_S + " s");
            return t;
        }

        void awaitReady(PeerId peer, boolean speaksRoom) throws InterruptedException {
            assertEquals(peer + " " + speaksRoom, next(ready));
        }

        /** The peer turned out to be plain, perhaps after its room channel opened (and was answered "no room log"). */
        void awaitPlain(PeerId peer) throws InterruptedException {
            String event = next(ready);
            if (event.equals(peer + " true")) event = next(ready);
            assertEquals(peer + " false", event);
        }
    }

    /** A node: a libp2p transport and (unless plain) a room registered on it. */
    final class Member {
        final Identity identity;
        final Transport transport;
        final Room room;
        final Recorder events = new Recorder();
        final BlockingQueue<ChatSession> inbound = new LinkedBlockingQueue<>();
        String addr;

        Member(Identity identity, Optional<Path> data) throws Exception {
            this(identity, data, Room.Stores.SQLITE);
        }

        Member(Identity identity, Optional<Path> data, Room.Stores stores) throws Exception {
            this.identity = identity;
            ExecutorService callbacks = Executors.newSingleThreadExecutor();
            open.add(callbacks::shutdownNow);
            transport = libp2p.create(new TransportConfig(identity, callbacks, Map.of()));
            open.add(transport);
            if (data != null) {
                room = Room.open(new RoomConfig("lobby", identity, "", data, RoomConfig.DEFAULT_HISTORY_LIMIT, RoomConfig.DEFAULT_HISTORY_AGE), events,
                        Tuning.DEFAULTS, System::currentTimeMillis, stores);
                open.add(room);
                transport.registerProtocol(room.protocolHandler());
                if (stores == Room.Stores.SQLITE) await(room.ready());
                else room.ready().exceptionally(e -> null).toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            } else {
                room = null;
            }
            transport.onInbound(inbound::add);
            addr = await(transport.listen(TransportHarness.LOOPBACK)).get(0).toString();
        }

        PeerId peer() {
            return identity.peerId();
        }

        /** Dials {@code other}; both rooms get the session (the app does this for members of its room). */
        ChatSession dial(Member other) throws Exception {
            ChatSession out = await(transport.dial(lanchat.api.Multiaddr.parse(other.addr)));
            ChatSession in = other.inbound.poll(WAIT_S, TimeUnit.SECONDS);
            if (in == null) throw new AssertionError("no inbound session");
            if (room != null) room.attach(out);
            if (other.room != null) other.room.attach(in);
            other.lastInbound = in;
            return out;
        }

        ChatSession lastInbound;
    }

    private Member member() throws Exception {
        return new Member(Identity.generate(), Optional.empty());
    }

    @Test
    void relayReceiptsAndAPlainPeerOverRealTransports() throws Exception {
        Member a = member(), b = member(), c = member();
        a.dial(b);
        c.dial(b); // a and c are not connected: b relays
        a.events.awaitReady(b.peer(), true);
        c.events.awaitReady(b.peer(), true);
        b.events.awaitReady(a.peer(), true);
        b.events.awaitReady(c.peer(), true);

        RoomMessage hello = await(a.room.post("hello from a"));
        assertEquals(1, a.room.pendingCount()); // nobody has acknowledged it yet
        RoomMessage atC = Recorder.next(c.events.live);
        assertEquals("hello from a", atC.text());
        assertEquals(a.peer(), atC.author());
        assertTrue(atC.signed());
        assertEquals(hello.id(), Recorder.next(b.events.live).id());
        await(c.room.post("hi from c"));
        assertEquals("hi from c", Recorder.next(a.events.live).text());
        // receipts: b and c hold it (c's have-vector reaches a through b)
        assertEquals(hello.id(), Recorder.next(a.events.delivered).id());
        assertTrue(await(a.room.pending()).isEmpty());

        // a plain libp2p peer (it does not speak the room protocol, like a go or js chat peer)
        Member plain = new Member(Identity.generate(), null);
        ChatSession toPlain = a.dial(plain);
        TransportHarness.Recorder plainSees = new TransportHarness.Recorder();
        plain.lastInbound.setListener(plainSees);
        plainLinesTo(a, toPlain);
        a.events.awaitReady(plain.peer(), false);
        await(a.room.post("to everyone"));
        assertEquals("to everyone", plainSees.next().text());
        assertEquals("to everyone", Recorder.next(c.events.live).text());

        plain.lastInbound.send(ChatMessage.of(null, "i speak plain chat"));
        RoomMessage local = Recorder.next(a.events.live);
        assertEquals("i speak plain chat", local.text());
        assertEquals(Optional.of(plain.peer()), local.relayedFrom());
        assertFalse(local.signed());
        RoomMessage relayed = Recorder.next(c.events.live);
        assertEquals("i speak plain chat", relayed.text());
        assertEquals(a.peer(), relayed.author()); // signed by a, which vouches only that it came from the plain peer
        assertEquals(Optional.of(plain.peer()), relayed.relayedFrom());
        assertEquals(plain.peer().shortString(), relayed.displayName());

        // a member the plain peer is not connected to reaches it through a, as "nick: text" (c has no nick: its short
        // id); the plain peer's own line never came back to it, or it would be the next line it sees
        await(c.room.post("c to the room"));
        assertEquals(c.peer().shortString() + ": c to the room", plainSees.next().text());
        assertEquals("c to the room", Recorder.next(a.events.live).text());

        for (Member m : List.of(a, b, c)) assertTrue(m.events.rejected.isEmpty(), m.events.rejected.toString());
        assertTrue(b.events.blocks.isEmpty() && c.events.blocks.isEmpty(), "everything arrived live");
    }

    /**
     * A line its author posts as our session opens (before its room channel is up, so it comes in the first catch-up
     * exchange, or just after, while that exchange is still going on) is shown live; the line typed well before still
     * comes as a "while you were away" block.
     */
    @Test
    void aLinePostedAsTheSessionOpensIsShownLiveNotAsCatchUp() throws Exception {
        Member a = member(), b = member();
        await(b.room.post("typed before a came"));
        Thread.sleep(2 * Tuning.LIVE_SLACK_MS); // genuinely older than the session
        a.dial(b);
        await(b.room.post("typed as a connects"));
        assertEquals(List.of("typed before a came"), Recorder.next(a.events.blocks).stream().map(RoomMessage::text).toList());
        assertEquals("typed as a connects", Recorder.next(a.events.live).text());
        await(b.room.post("and after"));
        assertEquals("and after", Recorder.next(a.events.live).text());
        assertTrue(a.events.blocks.isEmpty(), "only the older line came as a block: " + a.events.blocks);
        assertTrue(a.events.rejected.isEmpty() && b.events.rejected.isEmpty(), a.events.rejected + " " + b.events.rejected);
    }

    /** What the app does with a session's chat lines: hand them to the room (and detach the session when it closes). */
    private static void plainLinesTo(Member m, ChatSession session) {
        session.setListener(new SessionListener() {
            @Override
            public void onMessage(ChatSession s, ChatMessage message) {
                m.room.onPlainMessage(s, message);
            }

            @Override
            public void onClosed(ChatSession s, Throwable cause) {
                m.room.detach(s);
            }
        });
    }

    /**
     * A plain peer P connected to two members, a and b (a - b - c), says a line: both relay it into the room, so c gets
     * it twice (two signed relays) and forwards it once to its own plain peer Q; Q's next line is c's own.
     */
    @Test
    void aPlainLineRelayedByTwoMembersReachesAnotherMembersPlainPeerOnce() throws Exception {
        Member a = member(), b = member(), c = member();
        a.dial(b);
        c.dial(b);
        Member p = new Member(Identity.generate(), null), q = new Member(Identity.generate(), null);
        ChatSession aToP = a.dial(p);
        ChatSession pFromA = p.lastInbound;
        ChatSession bToP = b.dial(p);
        ChatSession pFromB = p.lastInbound;
        ChatSession cToQ = c.dial(q);
        plainLinesTo(a, aToP);
        plainLinesTo(b, bToP);
        plainLinesTo(c, cToQ);
        TransportHarness.Recorder qSees = new TransportHarness.Recorder();
        q.lastInbound.setListener(qSees);
        pFromA.setListener(new TransportHarness.Recorder());
        pFromB.setListener(new TransportHarness.Recorder());
        c.events.awaitReady(b.peer(), true);
        c.events.awaitReady(q.peer(), false);

        pFromA.send(ChatMessage.of(null, "p to its two members"));
        pFromB.send(ChatMessage.of(null, "p to its two members"));
        assertEquals(p.peer().shortString() + ": p to its two members", qSees.next().text());
        for (int i = 0; i < 2; i++) assertEquals("p to its two members", Recorder.next(c.events.live).text()); // a's relay and b's
        await(c.room.post("c to q"));
        assertEquals("c to q", qSees.next().text(), "Q got P's line once: the next is c's own");
    }

    /**
     * A plain peer with two sessions with member a (two connections live until one retires) that writes its line on
     * both said it once: a relays it once, and b shows it once. The same text said again on one session is a new line.
     */
    @Test
    void aPlainPeersLineOnTwoOfItsSessionsIsRelayedOnce() throws Exception {
        Member a = member(), b = member();
        a.dial(b);
        b.events.awaitReady(a.peer(), true);
        Member p = new Member(Identity.generate(), null);
        ChatSession aToP1 = a.dial(p);
        ChatSession pFromA1 = p.lastInbound;
        ChatSession aToP2 = a.dial(p);
        ChatSession pFromA2 = p.lastInbound;
        assertNotEquals(aToP1.connectionId(), aToP2.connectionId());
        Semaphore handedToRoom = new Semaphore(0);
        for (ChatSession s : List.of(aToP1, aToP2)) {
            s.setListener(new SessionListener() {
                @Override
                public void onMessage(ChatSession session, ChatMessage message) {
                    a.room.onPlainMessage(session, message);
                    handedToRoom.release();
                }

                @Override
                public void onClosed(ChatSession session, Throwable cause) {
                    a.room.detach(session);
                }
            });
        }
        pFromA1.setListener(new TransportHarness.Recorder());
        pFromA2.setListener(new TransportHarness.Recorder());

        pFromA1.send(ChatMessage.of(null, "said once"));
        pFromA2.send(ChatMessage.of(null, "said once"));
        pFromA1.send(ChatMessage.of(null, "said once")); // said again
        assertTrue(handedToRoom.tryAcquire(3, WAIT_S, TimeUnit.SECONDS));
        await(a.room.post("marker")); // after the relays on a's room thread, and after them on the channel to b
        List<String> atB = new ArrayList<>();
        for (int i = 0; i < 3; i++) atB.add(Recorder.next(b.events.live).text());
        assertEquals(List.of("said once", "said once", "marker"), atB);
    }

    /**
     * A node whose room log cannot open at all (SQLite's native library cannot load: not even in memory) still has the
     * room protocol registered (its store opens after it listens; without history, on the first room channel); it answers a room channel with "no room log", and
     * its peers then chat with it in plain lines both ways, whichever side dialed.
     */
    @Test
    void peersOfANodeWithoutARoomLogChatWithItInPlainLines() throws Exception {
        Member broken = new Member(Identity.generate(), Optional.empty(), new NoSqliteStores(true));
        assertTrue(broken.room.available(), "without history the store opens on first need: not tried yet");
        Member dialer = member(), dialed = member();
        ChatSession fromDialer = dialer.dial(broken); // the dialer opens the channel at once
        ChatSession toDialed = broken.dial(dialed); // the broken node opens none: the dialed one probes after 3 s
        TransportHarness.Recorder brokenHearsDialer = new TransportHarness.Recorder(), brokenHearsDialed = new TransportHarness.Recorder();
        broken.lastInbound.setListener(brokenHearsDialer);
        toDialed.setListener(brokenHearsDialed);
        TransportHarness.Recorder dialerHears = new TransportHarness.Recorder(), dialedHears = new TransportHarness.Recorder();
        fromDialer.setListener(dialerHears);
        dialed.lastInbound.setListener(dialedHears);
        dialer.events.awaitPlain(broken.peer());
        dialed.events.awaitPlain(broken.peer());
        assertTrue(Recorder.next(dialer.events.rejected).contains("has no room log"));
        assertFalse(broken.room.available(), "the first room channel tried to open the store");
        assertTrue(Recorder.next(broken.events.rejected).contains("room log unavailable"));

        await(dialer.room.post("dialer to all"));
        assertEquals("dialer to all", brokenHearsDialer.next().text());
        await(dialed.room.post("dialed to all"));
        assertEquals("dialed to all", brokenHearsDialed.next().text());
        assertEquals(2, await(broken.room.sendPlain(ChatMessage.of(null, "broken to all"))));
        assertEquals("broken to all", dialerHears.next().text());
        assertEquals("broken to all", dialedHears.next().text());
    }

    @Test
    void aRestartOnTheSameDataDirShowsHistoryDeliversWhatWasPendingAndContinuesTheSequence() throws Exception {
        Identity id = Identity.generate();
        Optional<Path> data = Optional.of(dir);
        Member alone = new Member(id, data);
        List<Long> seqs = new ArrayList<>();
        for (String t : List.of("one", "two", "three")) seqs.add(await(alone.room.post(t)).seq());
        assertEquals(3, alone.room.pendingCount());
        alone.room.close();
        alone.transport.close();
        assertTrue(dir.resolve(id.peerId().toString()).resolve("history.db").toFile().isFile());

        Member again = new Member(id, data);
        assertEquals(List.of("one", "two", "three"), await(again.room.history(10)).stream().map(RoomMessage::text).toList());
        assertEquals(3, again.room.pendingCount());
        assertTrue(again.events.blocks.isEmpty() && again.events.live.isEmpty(), "nothing shown again");
        Thread.sleep(2 * Tuning.LIVE_SLACK_MS); // typed well before b connects: catch-up, not lines typed as it connects
        Member b = member();
        b.dial(again);
        List<RoomMessage> block = Recorder.next(b.events.blocks);
        assertEquals(List.of("one", "two", "three"), block.stream().map(RoomMessage::text).toList());
        for (int i = 0; i < 3; i++) Recorder.next(again.events.delivered);
        assertEquals(0, again.room.pendingCount());
        RoomMessage four = await(again.room.post("four"));
        assertEquals(seqs.get(2) + 1, four.seq());
        assertEquals("four", Recorder.next(b.events.live).text());
        assertEquals(List.of("three", "two"), await(b.room.search("t")).stream().map(RoomMessage::text).toList()); // newest first
    }
}
