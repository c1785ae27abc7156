package lanchat.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Plugins;
import lanchat.api.testkit.TransportHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files between two real nodes over 127.0.0.1, on both transports (each test runs once per transport). The file is
 * 24 MiB: six resume checkpoints (4 MiB each) so that a cut at about half has something to resume from, several
 * times the channel buffers so back-pressure is exercised, and still a second or two per transfer on two shared
 * cores. The largest sizes belong to the process test and the bench.
 */
class FileTransferTest {
    static final int SIZE = 24 << 20;
    static final long WAIT_S = 60;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    /** A node: a transport with the file protocol registered, and its file service. */
    final class Peer implements FileEvents {
        final TransportHarness.Node node;
        final Map<PeerId, ChatSession> sessions = new ConcurrentHashMap<>();
        final BlockingQueue<Transfer> offers = new LinkedBlockingQueue<>();
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final FileService files;
        final Path downloads;
        /** The chat of the last session connected (each session gets a recorder of its own). */
        volatile TransportHarness.Recorder chat;

        Peer(TransportHarness h, String name, FileLimits limits) throws Exception {
            this(h, name, limits, false);
        }

        Peer(TransportHarness h, String name, FileLimits limits, boolean autoAccept) throws Exception {
            this(h.node(), name, limits, autoAccept, Optional.empty(), FileService.REFUSAL_LINE_INTERVAL);
        }

        /**
         * @param node its transport: a fresh one, or one with the identity of an earlier node (a restart)
         * @param offers where it keeps its open offers across restarts
         * @param refusalInterval between two lines about one peer's refused offers
         */
        Peer(TransportHarness.Node node, String name, FileLimits limits, boolean autoAccept, Optional<Path> offers, java.time.Duration refusalInterval) throws Exception {
            this.node = node;
            downloads = tmp.resolve(name);
            files = new FileService(new FileConfig(downloads, limits, autoAccept, offers), p -> Optional.ofNullable(sessions.get(p)), this, refusalInterval);
            open.add(files);
            node.transport.registerProtocol(files.protocolHandler());
            node.listen();
        }

        PeerId id() { return node.identity.peerId(); }

        @Override public void offered(Transfer t) { offers.add(t); }
        @Override public void changed(Transfer t) {}
        @Override public void info(String line) { lines.add(line); }

        Transfer nextOffer() throws InterruptedException {
            Transfer t = offers.poll(WAIT_S, TimeUnit.SECONDS);
            if (t == null) throw new AssertionError("no offer");
            return t;
        }
    }

    private TransportHarness harness(String transport) {
        TransportHarness h = new TransportHarness(Plugins.installed().transport(transport), Map.of());
        open.add(h);
        return h;
    }

    /** Dials b from a; both services know the session, both apps admit it (set a listener). */
    private ChatSession[] connect(Peer a, Peer b) throws Exception {
        ChatSession out = TransportHarness.await(a.node.transport.dial(b.node.addr()));
        ChatSession in = b.node.accept();
        a.chat = new TransportHarness.Recorder();
        b.chat = new TransportHarness.Recorder();
        out.setListener(a.chat);
        in.setListener(b.chat);
        a.sessions.put(b.id(), out);
        b.sessions.put(a.id(), in);
        return new ChatSession[] {out, in};
    }

    private Path randomFile(String name, int size) throws Exception {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return Files.write(tmp.resolve(name), b);
    }

    private static void await(Transfer t, Predicate<Transfer> done, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!done.test(t)) {
            if (System.nanoTime() > end) throw new AssertionError(what + " not reached: " + t + " " + t.detail() + " at " + t.transferred());
            Thread.sleep(20);
        }
    }

    private static void awaitState(Transfer t, Transfer.State s) throws InterruptedException {
        await(t, x -> x.state() == s, s.name());
    }

    /** The partial files go once the write in progress returned (on another thread): waits for that, bounded. */
    private static void awaitEmpty(Path dir) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!files(dir).isEmpty()) {
            if (System.nanoTime() > end) throw new AssertionError("partial files left: " + files(dir));
            Thread.sleep(20);
        }
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private static FileLimits slow() {
        return FileLimits.DEFAULTS.with("file.rate", "8MiB"); // 24 MiB in about 3 s: time to cut or cancel in the middle
    }

    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void aFileArrivesWholeUnderItsSanitisedNameWhileChatGoesOn(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Peer alice = new Peer(h, "alice", FileLimits.DEFAULTS), bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        ChatSession[] s = connect(alice, bob);
        Path src = randomFile("CON", SIZE);
        Files.createDirectories(bob.downloads);
        Files.writeString(bob.downloads.resolve("_CON"), "already here"); // never overwritten

        Transfer sent = alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS).get(0);
        Transfer got = bob.nextOffer();
        assertEquals("_CON", got.name());
        assertEquals(SIZE, got.size());
        assertEquals(Transfer.State.OFFERED, got.state());
        assertEquals(List.of(bob.downloads.resolve("_CON")), files(bob.downloads), "nothing written before consent");
        assertFalse(Files.exists(bob.downloads.resolve(FileService.PARTIAL_DIR)), "not even a directory");

        bob.files.accept(got.number());
        await(got, t -> t.transferred() > 0 || t.state().finished(), "first bytes");
        s[0].send(ChatMessage.of("alice", "still chatting")); // on its own stream, next to the transfer
        assertEquals("still chatting", bob.chat.next().text());
        awaitState(got, Transfer.State.DONE);
        awaitState(sent, Transfer.State.DONE);
        assertEquals("_CON (1)", got.savedAs().getFileName().toString());
        assertArrayEquals(FileService.hash(src), FileService.hash(got.savedAs()));
        assertEquals("already here", Files.readString(bob.downloads.resolve("_CON")));
        assertEquals(List.of(), files(bob.downloads.resolve(FileService.PARTIAL_DIR)), "no partial file or state left");
    }

    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void resumesAfterTheConnectionIsCutAtHalf(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Peer alice = new Peer(h, "alice", slow()), bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        ChatSession[] s = connect(alice, bob);
        Path src = randomFile("big.bin", SIZE);
        alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS);
        Transfer got = bob.nextOffer();
        bob.files.accept(got.number());
        await(got, t -> t.transferred() >= SIZE / 2, "half");
        bob.sessions.clear();
        alice.sessions.clear();
        s[0].close();
        awaitState(got, Transfer.State.INTERRUPTED);
        Transfer served = alice.files.transfers().get(0);
        awaitState(served, Transfer.State.INTERRUPTED); // the sender noticed too, and gave its transfer slot back
        long kept = got.transferred();
        assertTrue(kept >= SIZE / 2 - FileService.CHECKPOINT_BYTES, "kept " + kept);

        connect(alice, bob);
        await(got, t -> t.state() == Transfer.State.RUNNING || t.state().finished(), "resumed");
        await(served, t -> t.state() == Transfer.State.RUNNING || t.state().finished(), "serving again");
        awaitState(got, Transfer.State.DONE);
        assertArrayEquals(FileService.hash(src), FileService.hash(got.savedAs()));
        assertTrue(bob.lines.stream().noneMatch(l -> l.contains("starting over")), "resumed, not restarted: " + bob.lines);
    }

    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void eitherSideCancels(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Peer alice = new Peer(h, "alice", slow()), bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        connect(alice, bob);
        Path src = randomFile("a.bin", SIZE);

        // the receiver cancels
        Transfer sent1 = alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS).get(0);
        Transfer got1 = bob.nextOffer();
        bob.files.accept(got1.number());
        await(got1, t -> t.transferred() > 0, "first bytes");
        bob.files.cancel(got1.number());
        awaitState(got1, Transfer.State.CANCELLED);
        awaitState(sent1, Transfer.State.CANCELLED);

        // the sender cancels
        Transfer sent2 = alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS).get(0);
        Transfer got2 = bob.nextOffer();
        bob.files.accept(got2.number());
        await(got2, t -> t.transferred() > 0, "first bytes");
        alice.files.cancel(sent2.number());
        awaitState(got2, Transfer.State.CANCELLED);
        assertEquals(Transfer.State.CANCELLED, sent2.state());

        awaitEmpty(bob.downloads.resolve(FileService.PARTIAL_DIR)); // deleted after the write in progress returned
        assertEquals(List.of(), files(bob.downloads), "nothing saved");
    }

    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void bytesThatDoNotMatchTheOfferAreNeverMovedIntoPlace(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Peer mallory = new Peer(h, "mallory", FileLimits.DEFAULTS), bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        connect(mallory, bob);
        Path src = randomFile("../../etc/passwd".replace('/', '_'), 3 << 20);
        Transfer sent = mallory.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS).get(0);
        // after the hash was announced, the bytes change (size and time kept, so the sender's own check passes):
        // what a sender that lies about its file looks like to the receiver
        FileTime when = Files.getLastModifiedTime(src);
        byte[] b = Files.readAllBytes(src);
        b[b.length / 2] ^= 0x55;
        Files.write(src, b);
        Files.setLastModifiedTime(src, when);

        Transfer got = bob.nextOffer();
        bob.files.accept(got.number());
        awaitState(got, Transfer.State.FAILED);
        assertTrue(got.detail().contains("SHA-256"), got.detail());
        await(sent, t -> t.state() == Transfer.State.CANCELLED && t.detail().contains("SHA-256"), "sender told");
        awaitEmpty(bob.downloads.resolve(FileService.PARTIAL_DIR));
        assertEquals(List.of(), files(bob.downloads), "not moved into place");
        assertFalse(Files.exists(tmp.resolve("etc")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void aPeerGetsOnlyWhatWasOfferedToIt(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Peer alice = new Peer(h, "alice", FileLimits.DEFAULTS), bob = new Peer(h, "bob", FileLimits.DEFAULTS),
                eve = new Peer(h, "eve", FileLimits.DEFAULTS);
        connect(alice, bob);
        connect(alice, eve);
        Path src = randomFile("secret.bin", 1 << 20);
        alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS);
        Transfer toBob = bob.nextOffer();
        // eve learns the offer id (say, bob shows it to her) and asks alice for it: refused, nothing served
        Transfer stolen = eve.files.transfers().isEmpty() ? null : eve.files.transfers().get(0);
        assertEquals(null, stolen);
        ChatSession eveToAlice = eve.sessions.get(alice.id());
        var ch = TransportHarness.await(eveToAlice.openChannel(FileService.PROTOCOL));
        TransportHarness.ChannelRecorder rec = new TransportHarness.ChannelRecorder();
        ch.setListener(rec);
        TransportHarness.await(ch.send(Wire.encode(new Wire.Get(toBob.offerId(), 0))));
        byte[] answer = rec.next();
        assertEquals(new Wire.Error("unknown offer"), Wire.decode(answer, FileLimits.DEFAULTS));
        assertEquals(1, alice.files.transfers().size());
        assertEquals(Transfer.State.OFFERED, alice.files.transfers().get(0).state());
    }

    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void aFolderIsOfferedAsItsFiles(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Peer alice = new Peer(h, "alice", FileLimits.DEFAULTS), bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        connect(alice, bob);
        Path folder = Files.createDirectories(tmp.resolve("album/inner"));
        Files.write(tmp.resolve("album/a.jpg"), new byte[1000]);
        Files.write(folder.resolve("b.jpg"), new byte[0]); // an empty file is a file too
        List<Transfer> sent = alice.files.offer(tmp.resolve("album"), List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(2, sent.size());
        for (int i = 0; i < 2; i++) {
            Transfer got = bob.nextOffer();
            bob.files.accept(got.number());
            awaitState(got, Transfer.State.DONE);
        }
        assertEquals(1000, Files.size(bob.downloads.resolve("a.jpg")));
        assertEquals(0, Files.size(bob.downloads.resolve("b.jpg")));
    }

    /**
     * A hand-written sender that answers a GET with what it did not offer: a chunk at the wrong offset, a chunk larger
     * than the offered chunk size, bytes past the offered size, an END before the last byte. Each aborts that one
     * download with one line naming what was wrong; nothing lands in the downloads directory; the next one still works.
     */
    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void aSenderThatBreaksItsOfferIsCutOff(String transport) throws Exception {
        TransportHarness h = harness(transport);
        TransportHarness.Node mallory = h.node();
        int chunk = 1024;
        int[] sizes = {4096, 4096, 100, 4096};
        byte[][] replies = {
                Wire.encode(new Wire.Chunk(5, new byte[chunk], 0, chunk)),
                Wire.encode(new Wire.Chunk(0, new byte[chunk + 1], 0, chunk + 1)),
                Wire.encode(new Wire.Chunk(0, new byte[101], 0, 101)),
                Wire.encode(new Wire.End())};
        String[] expected = {"a chunk at 5 where 0 was due", "a chunk of 1025 bytes", "bytes beyond the offered size", "ended at 0 of 4096"};
        java.util.concurrent.atomic.AtomicInteger round = new java.util.concurrent.atomic.AtomicInteger();
        mallory.transport.registerProtocol(new lanchat.api.spi.ProtocolHandler(FileService.PROTOCOL, FileService.LIMITS, ch -> ch.setListener(
                new lanchat.api.spi.ChannelListener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onMessage(lanchat.api.spi.ProtocolChannel c, byte[] m) {
                        if (m[0] == Wire.GET) c.send(replies[round.get()]);
                        return null;
                    }

                    @Override
                    public void onClosed(lanchat.api.spi.ProtocolChannel c, Throwable cause) {}
                })));
        mallory.listen();
        Peer bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        ChatSession toBob = TransportHarness.await(mallory.transport.dial(bob.node.addr()));
        toBob.setListener(new TransportHarness.Recorder());
        ChatSession in = bob.node.accept();
        in.setListener(new TransportHarness.Recorder());
        bob.sessions.put(mallory.identity.peerId(), in);
        for (int i = 0; i < replies.length; i++) {
            round.set(i);
            var ch = TransportHarness.await(toBob.openChannel(FileService.PROTOCOL));
            ch.setListener(new TransportHarness.ChannelRecorder());
            TransportHarness.await(ch.send(Wire.encode(new Wire.Offer(Wire.newId(), sizes[i], chunk, new byte[32], "evil-" + i))));
            Transfer got = bob.nextOffer();
            bob.files.accept(got.number());
            awaitState(got, Transfer.State.FAILED);
            assertTrue(got.detail().contains(expected[i]), got.detail());
        }
        awaitEmpty(bob.downloads.resolve(FileService.PARTIAL_DIR));
        assertEquals(List.of(), files(bob.downloads));
    }

    /** A hand-driven peer that speaks the file protocol only to record what it is sent (the tests play its part). */
    private static TransportHarness.Node mallory(TransportHarness h) throws Exception {
        TransportHarness.Node mallory = h.node();
        mallory.transport.registerProtocol(new lanchat.api.spi.ProtocolHandler(FileService.PROTOCOL, FileService.LIMITS,
                ch -> ch.setListener(new TransportHarness.ChannelRecorder())));
        mallory.listen();
        return mallory;
    }

    /**
     * A hand-written peer floods a node that accepts every offer from the room (--accept-from-room) and never answers
     * a GET: accepted downloads that never finish still count against file.maxPendingOffers, and one peer gets half of
     * it at most, so the node keeps a bounded number of transfers, refuses the rest with a line, its /transfers list
     * does not grow with the flood, and another peer's file still comes in and arrives.
     */
    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void anAutoAcceptingNodeBoundsAPeersFloodOfOffers(String transport) throws Exception {
        TransportHarness h = harness(transport);
        TransportHarness.Node mallory = mallory(h);
        int limit = 4;
        // two transfers at once: bob's GET channels to mallory leave room in the per-peer channel limit for the flood
        Peer bob = new Peer(h, "bob", FileLimits.DEFAULTS.with("file.maxPendingOffers", Integer.toString(limit)).with("file.maxTransfers", "2"), true);
        ChatSession toBob = TransportHarness.await(mallory.transport.dial(bob.node.addr()));
        toBob.setListener(new TransportHarness.Recorder());
        ChatSession in = bob.node.accept();
        in.setListener(new TransportHarness.Recorder());
        bob.sessions.put(mallory.identity.peerId(), in);
        for (int i = 0; i < 300; i++) { // one offer per channel, as the protocol has it
            var ch = TransportHarness.await(toBob.openChannel(FileService.PROTOCOL));
            ch.setListener(new TransportHarness.ChannelRecorder());
            TransportHarness.await(ch.send(Wire.encode(new Wire.Offer(Wire.newId(), 4096, 1024, new byte[32], "flood-" + i))));
            TransportHarness.await(ch.close());
        }
        String line;
        do {
            line = bob.lines.poll(WAIT_S, TimeUnit.SECONDS);
            if (line == null) throw new AssertionError("no refusal; transfers: " + bob.files.transfers().size());
        } while (!line.contains("refused an offer"));
        assertTrue(line.contains("file.maxPendingOffers") && line.contains("one peer cannot take them all"), line);
        int share = FileService.perPeer(limit);
        assertTrue(bob.files.transfers().size() <= share, "transfers: " + bob.files.transfers().size());
        assertEquals(share, bob.offers.size());

        // mallory's downloads, which never get a byte, hold one of the two transfer slots (half of file.maxTransfers)
        Peer alice = new Peer(h, "alice", FileLimits.DEFAULTS);
        connect(alice, bob);
        Path src = randomFile("honest.bin", 100_000);
        bob.offers.clear();
        alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS);
        Transfer got = bob.nextOffer();
        assertEquals(alice.id(), got.peer());
        awaitState(got, Transfer.State.DONE);
        assertArrayEquals(FileService.hash(src), FileService.hash(got.savedAs()));
        assertEquals(1, bob.files.transfers().stream().filter(t -> t.peer().equals(mallory.identity.peerId()) && t.state() == Transfer.State.RUNNING).count(),
                "one of mallory's downloads runs, the other waits its turn");
    }

    /**
     * Offer ids are chosen by senders: a peer that sends an offer with another peer's id (here: seen in the room, and
     * sent right after) gets an offer of its own, which neither refuses nor replaces the first, and whose partial file
     * is a different file. Cancelling the impostor's download leaves the real one alone, and the real file arrives.
     */
    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void anOfferReusingAnotherPeersIdNeitherPreemptsNorTouchesIt(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Peer alice = new Peer(h, "alice", FileLimits.DEFAULTS.with("file.rate", "1MiB")), bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        connect(alice, bob);
        TransportHarness.Node mallory = h.node();
        mallory.transport.registerProtocol(new lanchat.api.spi.ProtocolHandler(FileService.PROTOCOL, FileService.LIMITS,
                ch -> ch.setListener(new TransportHarness.ChannelRecorder()))); // takes a GET, never answers
        mallory.listen();
        ChatSession toBob = TransportHarness.await(mallory.transport.dial(bob.node.addr()));
        toBob.setListener(new TransportHarness.Recorder());
        ChatSession in = bob.node.accept();
        in.setListener(new TransportHarness.Recorder());
        bob.sessions.put(mallory.identity.peerId(), in);

        Path src = randomFile("real.bin", 3 << 20); // about 3 s at file.rate 1MiB: both downloads run at once
        alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS);
        Transfer real = bob.nextOffer();
        var ch = TransportHarness.await(toBob.openChannel(FileService.PROTOCOL));
        ch.setListener(new TransportHarness.ChannelRecorder());
        TransportHarness.await(ch.send(Wire.encode(new Wire.Offer(real.offerId(), 3 << 20, 1024, new byte[32], "real.bin"))));
        Transfer fake = bob.nextOffer();
        assertEquals(mallory.identity.peerId(), fake.peer());
        assertEquals(real.offerId(), fake.offerId());
        assertEquals(Transfer.State.OFFERED, real.state(), "the first offer stands");

        bob.files.accept(fake.number());
        bob.files.accept(real.number());
        awaitState(fake, Transfer.State.RUNNING);
        awaitState(real, Transfer.State.RUNNING);
        Path partials = bob.downloads.resolve(FileService.PARTIAL_DIR);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (files(partials).stream().filter(p -> p.toString().endsWith(Sidecar.STATE)).count() < 2) { // saved as each begins
            if (System.nanoTime() > end) throw new AssertionError("not a partial download each: " + files(partials));
            Thread.sleep(20);
        }
        assertEquals(Transfer.State.RUNNING, real.state(), "still running: " + real.detail());
        bob.files.cancel(fake.number());
        awaitState(real, Transfer.State.DONE);
        assertArrayEquals(FileService.hash(src), FileService.hash(real.savedAs()));
        assertEquals(Transfer.State.CANCELLED, fake.state());
    }

    /**
     * A peer that sends 10,000 offers (half of them cancelled right after, so that each becomes a finished transfer;
     * the rest piling up against file.maxPendingOffers) leaves the node with a bounded list of transfers
     * (file.keepFinished finished ones plus what is pending), a bounded number of lines about it (file.refusalLines,
     * then one "not shown" line) and bounded bookkeeping; another peer's file still arrives and chat goes on.
     */
    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void tenThousandOffersFromOnePeerLeaveTheNodeBoundedAndWorking(String transport) throws Exception {
        TransportHarness h = harness(transport);
        TransportHarness.Node mallory = mallory(h);
        int keep = 10, pending = 8, lines = 3;
        FileLimits limits = FileLimits.DEFAULTS.with("file.keepFinished", Integer.toString(keep)).with("file.maxPendingOffers", Integer.toString(pending))
                .with("file.refusalLines", Integer.toString(lines));
        // no interval between refusal lines: every refusal counts against file.refusalLines, so the cap is what is seen
        Peer bob = new Peer(h.node(), "bob", limits, false, Optional.empty(), java.time.Duration.ZERO);
        ChatSession toBob = TransportHarness.await(mallory.transport.dial(bob.node.addr()));
        toBob.setListener(new TransportHarness.Recorder());
        ChatSession in = bob.node.accept();
        in.setListener(new TransportHarness.Recorder());
        bob.sessions.put(mallory.identity.peerId(), in);

        int flood = 10_000;
        for (int i = 0; i < flood; i++) {
            String id = Wire.newId();
            sendOne(toBob, Wire.encode(new Wire.Offer(id, 4096, 1024, new byte[32], "flood-" + i)));
            if (i < flood / 2) sendOne(toBob, Wire.encode(new Wire.Cancel(id, "never mind")));
        }
        // bob has taken in everything before it answers a request sent after the flood on the same connection
        var probe = TransportHarness.await(toBob.openChannel(FileService.PROTOCOL));
        TransportHarness.ChannelRecorder answer = new TransportHarness.ChannelRecorder();
        probe.setListener(answer);
        TransportHarness.await(probe.send(Wire.encode(new Wire.Get(Wire.newId(), 0))));
        assertTrue(Wire.decode(answer.next(), limits) instanceof Wire.Error, "bob answers after the flood");

        int offered = bob.offers.size();
        assertTrue(offered > keep + pending, "the flood made " + offered + " transfers: more than the bounds keep");
        List<Transfer> listed = bob.files.transfers();
        assertTrue(listed.size() <= keep + FileService.perPeer(pending), "transfers kept: " + listed.size());
        assertTrue(listed.stream().filter(t -> t.state().finished()).count() <= keep, "finished kept: " + listed.size());
        Map<String, Integer> held = bob.files.footprint();
        assertTrue(held.get("downloads") <= FileService.perPeer(pending), held.toString());
        assertEquals(1, held.get("refusalPeers"), held.toString());
        List<String> refusals = bob.lines.stream().filter(l -> l.contains("refused an offer")).toList();
        assertEquals(lines + 1, refusals.size(), "lines about refusals: " + refusals);
        assertTrue(refusals.get(lines).contains("not shown"), refusals.get(lines));

        Peer alice = new Peer(h, "alice", FileLimits.DEFAULTS);
        ChatSession[] s = connect(alice, bob);
        s[0].send(ChatMessage.of("alice", "after the flood"));
        assertEquals("after the flood", bob.chat.next().text());
        Path src = randomFile("honest.bin", 100_000);
        bob.offers.clear();
        alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS);
        Transfer got = bob.nextOffer();
        assertEquals(alice.id(), got.peer());
        bob.files.accept(got.number());
        awaitState(got, Transfer.State.DONE);
        assertArrayEquals(FileService.hash(src), FileService.hash(got.savedAs()));
    }

    /** Opens a channel, sends one message and closes it, as a peer's offers and cancels go. */
    private static void sendOne(ChatSession session, byte[] message) throws Exception {
        var ch = TransportHarness.await(session.openChannel(FileService.PROTOCOL));
        ch.setListener(new TransportHarness.ChannelRecorder());
        TransportHarness.await(ch.send(message));
        TransportHarness.await(ch.close());
    }

    /**
     * The sender keeps its open offer under its data directory: stopped in the middle of a transfer (its file service
     * and transport closed, as a killed process loses them) and started again with the same identity and directory,
     * it serves the rest, the receiver resumes from its checkpoint (not from 0) and the file arrives whole. The stored
     * offer goes once the transfer is done, and a cancelled offer's file goes too.
     */
    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void anOfferSurvivesARestartOfItsSender(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Path data = tmp.resolve("alice-data");
        TransportHarness.Node aliceNode = h.node();
        Peer alice = new Peer(aliceNode, "alice", slow(), false, Optional.of(data), FileService.REFUSAL_LINE_INTERVAL);
        Peer bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        connect(alice, bob);
        Path src = randomFile("big.bin", SIZE);
        Transfer sent = alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS).get(0);
        assertTrue(Files.isRegularFile(data.resolve(sent.offerId() + OfferStore.SUFFIX)), "stored before the peer hears of it");
        Transfer got = bob.nextOffer();
        bob.files.accept(got.number());
        await(got, t -> t.transferred() >= SIZE / 2, "half");

        bob.sessions.clear();
        alice.files.close();
        aliceNode.transport.close();
        awaitState(got, Transfer.State.INTERRUPTED);
        long kept = got.transferred();
        assertTrue(kept >= SIZE / 2 - FileService.CHECKPOINT_BYTES && kept < SIZE, "kept " + kept);

        Peer alice2 = new Peer(h.node(aliceNode.identity), "alice", slow(), false, Optional.of(data), FileService.REFUSAL_LINE_INTERVAL);
        Transfer again = alice2.files.transfers().get(0);
        assertEquals(sent.offerId(), again.offerId());
        assertEquals(Transfer.State.OFFERED, again.state());
        connect(alice2, bob);
        await(got, t -> t.state() == Transfer.State.RUNNING || t.state().finished(), "resumed");
        assertTrue(got.transferred() >= kept - FileService.CHECKPOINT_BYTES, "resumed from its checkpoint: " + got.transferred());
        awaitState(got, Transfer.State.DONE);
        assertArrayEquals(FileService.hash(src), FileService.hash(got.savedAs()));
        assertTrue(bob.lines.stream().noneMatch(l -> l.contains("starting over")), "resumed, not restarted: " + bob.lines);
        awaitState(again, Transfer.State.DONE);
        awaitGone(data.resolve(sent.offerId() + OfferStore.SUFFIX));
        assertEquals(0, alice2.files.storedCount());

        // a cancelled offer leaves nothing behind either
        Transfer other = alice2.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS).get(0);
        Path stored = data.resolve(other.offerId() + OfferStore.SUFFIX);
        assertTrue(Files.isRegularFile(stored));
        alice2.files.cancel(other.number());
        awaitGone(stored);
    }

    /**
     * The sender counts a file as delivered only when the receiver closes the channel, which a receiver does once the
     * file matched its SHA-256 and is in place. A receiver that took every byte and the END and then went away before
     * that (here a hand-driven one resets the channel, as its process dying does) leaves the transfer INTERRUPTED and
     * the stored offer on disk, so after a restart of the sender its next request is still served (it was refused as
     * an unknown offer before); once it closes the channel the transfer is DONE and the stored offer goes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"libp2p", "netty"})
    void aFileCountsAsDeliveredOnlyOnceTheReceiverConfirmsIt(String transport) throws Exception {
        TransportHarness h = harness(transport);
        Path data = tmp.resolve("alice-data");
        TransportHarness.Node aliceNode = h.node();
        Peer alice = new Peer(aliceNode, "alice", FileLimits.DEFAULTS, false, Optional.of(data), FileService.REFUSAL_LINE_INTERVAL);
        TransportHarness.Node mallory = mallory(h);
        PeerId malloryId = mallory.identity.peerId();
        ChatSession toMallory = TransportHarness.await(aliceNode.transport.dial(mallory.addr()));
        toMallory.setListener(new TransportHarness.Recorder());
        ChatSession fromAlice = mallory.accept();
        fromAlice.setListener(new TransportHarness.Recorder());
        alice.sessions.put(malloryId, toMallory);
        int size = 1 << 20;
        Path src = randomFile("tail.bin", size);
        Transfer sent = alice.files.offer(src, List.of(malloryId)).get(WAIT_S, TimeUnit.SECONDS).get(0);
        Path stored = data.resolve(sent.offerId() + OfferStore.SUFFIX);

        var first = fetch(fromAlice, sent.offerId(), 0);
        assertEquals(size, first.bytes(), "every byte and the END");
        first.channel().reset(); // gone before it confirmed
        awaitState(sent, Transfer.State.INTERRUPTED);
        assertTrue(Files.isRegularFile(stored), "the offer is kept for the receiver's next request");

        alice.files.close();
        aliceNode.transport.close();
        Peer alice2 = new Peer(h.node(aliceNode.identity), "alice", FileLimits.DEFAULTS, false, Optional.of(data), FileService.REFUSAL_LINE_INTERVAL);
        Transfer again = alice2.files.transfers().get(0);
        assertEquals(sent.offerId(), again.offerId());
        ChatSession toAlice2 = TransportHarness.await(mallory.transport.dial(alice2.node.addr()));
        toAlice2.setListener(new TransportHarness.Recorder());
        ChatSession in = alice2.node.accept();
        in.setListener(new TransportHarness.Recorder());
        alice2.sessions.put(malloryId, in);
        int from = size / 2;
        var second = fetch(toAlice2, sent.offerId(), from);
        assertEquals(size - from, second.bytes(), "served from the checkpoint after the restart");
        assertEquals(Transfer.State.RUNNING, again.state(), "not delivered before the receiver confirms: " + again.detail());
        TransportHarness.await(second.channel().close());
        awaitState(again, Transfer.State.DONE);
        awaitGone(stored);
    }

    private record Fetched(lanchat.api.spi.ProtocolChannel channel, long bytes) {}

    /** A hand-driven receiver's GET: reads chunks until END and returns how many bytes came, the channel left open. */
    private static Fetched fetch(ChatSession session, String offerId, long offset) throws Exception {
        var ch = TransportHarness.await(session.openChannel(FileService.PROTOCOL));
        var rec = new TransportHarness.ChannelRecorder();
        ch.setListener(rec);
        TransportHarness.await(ch.send(Wire.encode(new Wire.Get(offerId, offset))));
        long bytes = 0;
        for (byte[] m = rec.next(); m[0] != Wire.END; m = rec.next()) {
            assertEquals(Wire.CHUNK, m[0], "only chunks before the END");
            bytes += m.length - Wire.CHUNK_HEADER;
        }
        return new Fetched(ch, bytes);
    }

    private static void awaitGone(Path file) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (Files.exists(file)) {
            if (System.nanoTime() > end) throw new AssertionError(file + " still there");
            Thread.sleep(20);
        }
    }

    /**
     * The offers a sender keeps (so that it serves only those) do not pile up: finished ones go a minute after they
     * finished, unfinished ones after the resume window (then they fail as expired), and a sender with
     * file.maxOpenOffers open offers refuses a new /send with a line instead of growing without end. Its list of
     * transfers keeps file.keepFinished finished ones, however many /send failed.
     */
    @Test
    void aSendersOffersArePrunedAndBounded() throws Exception {
        TransportHarness h = harness("netty");
        int maxOpen = 40, keep = 10;
        FileLimits limits = FileLimits.DEFAULTS.with("file.maxOpenOffers", Integer.toString(maxOpen)).with("file.keepFinished", Integer.toString(keep));
        Peer alice = new Peer(h, "alice", limits), bob = new Peer(h, "bob", FileLimits.DEFAULTS);
        connect(alice, bob);
        Path src = randomFile("small.bin", 1000);
        PeerId away = lanchat.api.Identity.generate().peerId();
        Transfer failed = alice.files.offer(src, List.of(away)).get(WAIT_S, TimeUnit.SECONDS).get(0); // not connected
        awaitState(failed, Transfer.State.FAILED);
        Transfer offered = alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS).get(0);
        bob.nextOffer(); // never accepted
        assertEquals(2, alice.files.outgoingCount());

        long now = System.nanoTime();
        assertEquals(List.of(), alice.files.pruneOutgoing(now));
        assertEquals(2, alice.files.outgoingCount(), "a finished offer is kept a while for late news");
        alice.files.pruneOutgoing(now + FileService.FINISHED_KEEP.toNanos() + 1);
        assertEquals(1, alice.files.outgoingCount(), "the failed offer is gone, the open one stays");
        assertEquals(List.of(offered), alice.files.pruneOutgoing(now + FileService.RESUME_WINDOW.toNanos() + 1));
        assertEquals(Transfer.State.FAILED, offered.state());
        assertTrue(offered.detail().contains("expired"), offered.detail());
        assertEquals(0, alice.files.outgoingCount());

        // a flood of /send to nobody: each fails at once and is kept a minute, so the bound is what stops growth;
        // finished offers make room for a new one (the longest finished first), so /send keeps working
        Path folder = Files.createDirectories(tmp.resolve("many"));
        int perFolder = 10;
        for (int i = 0; i < perFolder; i++) Files.write(folder.resolve("f" + i), new byte[] {(byte) i});
        for (int i = 0; i < maxOpen / perFolder; i++) {
            for (Transfer t : alice.files.offer(folder, List.of(away)).get(WAIT_S, TimeUnit.SECONDS)) awaitState(t, Transfer.State.FAILED);
        }
        assertEquals(maxOpen, alice.files.outgoingCount());
        Transfer sent = alice.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS).get(0);
        assertEquals(maxOpen, alice.files.outgoingCount(), "a finished offer made room");
        // 42 finished transfers so far and one open: the list keeps file.keepFinished of the finished ones
        List<Transfer> listed = alice.files.transfers();
        assertEquals(keep, listed.stream().filter(t -> t.state().finished()).count(), "finished transfers listed: " + listed.size());
        assertTrue(listed.contains(sent));

        // a DONE offer stays for the resume window: the receiver may have lost the tail that left our socket (review)
        bob.files.accept(bob.nextOffer().number());
        awaitState(sent, Transfer.State.DONE);
        alice.files.pruneOutgoing(System.nanoTime() + FileService.FINISHED_KEEP.toNanos() + 1);
        assertEquals(1, alice.files.outgoingCount(), "failed offers gone after a minute, the delivered one kept");

        // an open offer is never evicted: with maxOpen open offers a new /send is refused with a reason
        PeerId later = lanchat.api.Identity.generate().peerId();
        Peer carol = new Peer(h, "carol", FileLimits.DEFAULTS.with("file.maxOpenOffers", "2"));
        connect(carol, bob);
        carol.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS);
        carol.files.offer(src, List.of(bob.id())).get(WAIT_S, TimeUnit.SECONDS);
        ExecutionException full = assertThrows(ExecutionException.class, () -> carol.files.offer(src, List.of(bob.id(), later)).get(WAIT_S, TimeUnit.SECONDS));
        assertTrue(full.getCause().getMessage().contains("file.maxOpenOffers"), full.getCause().getMessage());
        assertEquals(2, carol.files.outgoingCount());
    }
}
