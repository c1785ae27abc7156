package lanchat.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.room.SimNet.Node;
import lanchat.room.store.RoomStore;
import lanchat.room.wire.Frame;
import lanchat.room.wire.MessageBody;
import lanchat.room.wire.SignedMessage;
import lanchat.room.wire.WireLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine over simulated links: live delivery, relay, catch-up, paging, receipts, rejections, restarts. */
class RoomLogTest {
    private SimNet net = new SimNet(1);

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        net.close();
    }

    static List<String> texts(List<RoomMessage> messages) {
        return messages.stream().map(RoomMessage::text).toList();
    }

    static List<String> ids(List<RoomMessage> messages) {
        return messages.stream().map(RoomMessage::id).toList();
    }

    @Test
    void aPostIsShownLiveOnceByTheNeighbour() {
        Node a = net.add(), b = net.add();
        net.link(a, b);
        net.settle(1000);
        RoomMessage m = a.post("hello");
        net.settle(1000);
        assertEquals(List.of("hello"), texts(b.shown));
        assertEquals(a.peer, b.shown.get(0).author());
        assertFalse(b.shown.get(0).own());
        assertTrue(a.shown.get(0).own());
        assertEquals(m.id(), b.shown.get(0).id());
        assertTrue(b.blocks.isEmpty());
        assertTrue(a.rejected.isEmpty() && b.rejected.isEmpty(), a.rejected + " " + b.rejected);
    }

    @Test
    void relayCarriesMessagesOverAPartialMesh() {
        Node[] abc = net.line(3);
        Node a = abc[0], b = abc[1], c = abc[2];
        List<Node> senders = new ArrayList<>();
        net.wire = s -> {
            if (s.decoded() instanceof Frame.Messages m && !m.envelopes().isEmpty()) senders.add(s.from());
        };
        a.post("from a");
        net.settle(500);
        c.post("from c");
        net.settle(1000);
        assertEquals(List.of("from a"), texts(b.shown.subList(0, 1)));
        assertEquals(List.of("from a", "from c"), texts(c.shown));
        assertEquals(List.of("from a", "from c"), texts(a.shown));
        // each message crossed each link once: a->b, b->c, then c->b, b->a; nothing was sent back
        assertEquals(List.of(a, b, c, b), senders);
    }

    /**
     * B gets A's first line before C's link to B is up: B's summary to C then shows A's mark before the WANT that raises
     * it over the line came back. The raised mark must reach C at once (a have-vector), not 20 s later.
     */
    @Test
    void aMarkRaisedAfterANeighboursSummaryReachesItAtOnce() {
        Node a = net.add(), b = net.add(), c = net.add();
        net.link(a, b);
        net.settle(1000);
        a.post("first words");
        while (b.shown.isEmpty()) assertTrue(net.step(), "nothing left to deliver"); // b's WANT for the gap before it is on its way
        net.advance(600); // a slow round trip: b's have-vector for the new line goes out before the answer comes
        net.link(b, c);
        net.settle(2000); // a tenth of the have-vector interval
        assertEquals(List.of("first words"), texts(c.shown));
    }

    @Test
    void aLateJoinerCatchesUpInOneBlockInRoomOrder() {
        Node a = net.add(), b = net.add();
        net.link(a, b);
        for (int i = 0; i < 12; i++) {
            (i % 3 == 0 ? b : a).post("line " + i);
            net.settle(10);
        }
        net.settle(1000);
        Node c = net.add();
        net.link(c, b);
        net.settle(2000);
        assertEquals(1, c.blocks.size(), "one block: " + c.blocks);
        assertEquals(ids(a.history()), ids(c.blocks.get(0)));
        assertEquals(ids(b.history()), ids(c.history()));
        // and the block is in (hlc, author, seq) order
        List<RoomMessage> sorted = new ArrayList<>(c.blocks.get(0));
        sorted.sort(java.util.Comparator.comparingLong(RoomMessage::hlc).thenComparing(RoomMessage::author).thenComparingLong(RoomMessage::seq));
        assertEquals(sorted, c.blocks.get(0));
        // nobody saw anything twice
        for (Node n : List.of(a, b, c)) assertEquals(12, new HashSet<>(ids(n.shown)).size(), n + " " + texts(n.shown));
    }

    /**
     * The live-after-connect rule: a line stamped within {@link Tuning#LIVE_SLACK_MS} before our session with its
     * sender opened missed the channel by a moment; it comes in the first catch-up exchange and is shown live, after
     * the block of what was genuinely typed while we were away (one block, in room order).
     */
    @Test
    void aLinePostedAsTheSessionOpensIsShownLiveAndOnlyOlderLinesAsABlock() {
        Node a = net.add(), b = net.add();
        b.post("typed while a was away");
        net.advance(5_000);
        b.post("just outside the slack");
        net.advance(Tuning.LIVE_SLACK_MS + 50);
        b.post("typed as a connects"); // 50 ms before the link: it comes by catch-up
        net.advance(50);
        net.link(a, b);
        b.post("typed right after"); // live, while a is still catching up: it waits for the older lines
        net.settle(2000);
        assertEquals(List.of(List.of("typed while a was away", "just outside the slack")), a.blocks.stream().map(RoomLogTest::texts).toList());
        assertEquals(List.of("typed while a was away", "just outside the slack", "typed as a connects", "typed right after"), texts(a.shown));
        // later, a catch-up over the same (no longer new) session is a block again
        net.unlink(a, b);
        b.post("typed during a blink");
        net.advance(1000);
        net.link(a, b);
        net.settle(2000);
        assertEquals(List.of("typed during a blink"), texts(a.blocks.get(a.blocks.size() - 1)));
        assertEquals(5, new HashSet<>(ids(a.shown)).size(), texts(a.shown).toString());
    }

    /**
     * A burst typed as the session opens: its first lines miss the channel by a moment and come by catch-up (shown
     * live, by the live-after-connect rule); the rest come live right after. The whole burst shows in the order typed,
     * and nothing of it as "while you were away".
     */
    @Test
    void aBurstTypedAsTheSessionOpensIsShownInTheOrderTyped() {
        Node a = net.add(), b = net.add();
        List<String> burst = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            burst.add("burst " + i);
            b.post("burst " + i);
        }
        net.advance(50);
        net.link(a, b);
        while (net.step()) { } // the first exchange: summaries, WANTs, the first lines by catch-up
        net.advance(Tuning.LIVE_SLACK_MS + 10); // over, while the block waits for its quiet time (300 ms)
        for (int i = 3; i < 10; i++) {
            burst.add("burst " + i);
            b.post("burst " + i);
        }
        net.settle(3000);
        assertEquals(burst, texts(a.shown));
        assertEquals(List.of(), a.blocks.stream().map(RoomLogTest::texts).toList(), "typed as we connected: nothing of it was 'while you were away'");
    }

    /**
     * The block's cut: everything from its first line posted as the session opened is shown live. Lines 12..29 of a
     * burst that came once the first exchange was over, in a block with its first lines 0..11 posted as the session
     * opened, are live too, after 0..11 (before, they went into the block ahead of 0..11: TwoProcessChatIT).
     */
    @Test
    void aBlockIsCutAtItsFirstLinePostedAsTheSessionOpened() {
        List<Integer> burst = new ArrayList<>();
        for (int i = 0; i < 30; i++) burst.add(i);
        assertEquals(0, RoomLog.firstLive(burst, i -> i < 12), "the whole burst is live, in its order");
        List<Integer> withOlder = List.of(-3, -2, -1, 0, 1, 2, 3);
        assertEquals(3, RoomLog.firstLive(withOlder, i -> i == 0 || i == 1), "older lines stay in the block");
        assertEquals(7, RoomLog.firstLive(withOlder, i -> false), "no line posted as the session opened: all of it is the block");
    }

    /** Every link up, the neighbour lists of the have-vectors exchanged. */
    private Node[] mesh(int n) {
        Node[] out = new Node[n];
        for (int i = 0; i < n; i++) {
            out[i] = net.add();
            for (int j = 0; j < i; j++) net.link(out[j], out[i]);
        }
        net.settle(2000);
        return out;
    }

    /** Counts the envelopes of MESSAGES frames that cross links, by sender. */
    private List<Node> countCrossings() {
        List<Node> senders = new ArrayList<>();
        net.wire = s -> {
            if (s.decoded() instanceof Frame.Messages m) for (int i = 0; i < m.envelopes().size(); i++) senders.add(s.from());
        };
        return senders;
    }

    /**
     * In a full mesh every member gets a post from its author: each relay holds its copy for the backstop, sees the
     * neighbour's have-vector cover it, and drops it. One crossing per member instead of one per link and direction.
     */
    @Test
    void inAFullMeshAPostCrossesEachLinkOfItsAuthorOnlyAndHeldCopiesAreDropped() {
        Node[] all = mesh(5);
        List<Node> senders = countCrossings();
        all[0].post("to the whole mesh");
        net.settle(Tuning.RELAY_BACKSTOP_MS + 2000);
        for (Node n : all) assertEquals(List.of("to the whole mesh"), texts(n.shown), n.toString());
        assertEquals(List.of(all[0], all[0], all[0], all[0]), senders, "only the author sent it");
        for (Node n : all) assertTrue(n.rejected.isEmpty(), n + " " + n.rejected);
    }

    /**
     * A neighbour of the author whose direct copy was lost gets the held copy from a relay once the backstop passed,
     * and not before. (The have-vectors to it are lost too: else it would learn that the others hold the message and
     * fetch it by catch-up first.)
     */
    @Test
    void aHeldCopyGoesAfterTheBackstopWhenTheNeighbourStillLacksIt() {
        Node[] abc = mesh(3);
        Node a = abc[0], b = abc[1], c = abc[2];
        net.lose = s -> (s.from() == a && s.to() == c && s.decoded() instanceof Frame.Messages m && !m.envelopes().isEmpty())
                || (s.to() == c && s.decoded() instanceof Frame.Have);
        List<Node> senders = countCrossings();
        a.post("through b after all");
        net.settle(Tuning.RELAY_BACKSTOP_MS - 300);
        assertTrue(c.shown.isEmpty(), "held, not sent at once: " + texts(c.shown));
        net.settle(1000);
        assertEquals(List.of("through b after all"), texts(c.shown), senders + " " + c.rejected + " " + b.rejected);
        assertEquals(List.of(a, b), senders); // a to b (its copy to c was lost), then b's held copy to c
    }

    /** Not a neighbour of the author (a partial mesh A - B - C): relayed at once, no backstop on the path. */
    @Test
    void aNeighbourTheAuthorIsNotLinkedToGetsTheRelayAtOnce() {
        Node[] abc = net.line(3);
        Node a = abc[0], b = abc[1], c = abc[2];
        List<Node> senders = countCrossings();
        a.post("over b");
        net.settle(SimNet.TICK_MS);
        assertEquals(List.of("over b"), texts(c.shown), "relayed before any backstop");
        net.settle(Tuning.RELAY_BACKSTOP_MS + 1000);
        assertEquals(List.of(a, b), senders);
    }

    /** Held copies are bounded: beyond {@link Tuning#MAX_HELD_RELAYS} a relay sends at once. */
    @Test
    void heldCopiesAreBoundedAndBeyondTheBoundSentAtOnce() {
        net = new SimNet(1, new Tuning(120_000, 20_000, 500, 60_000, 10_000, 300, 60_000, 1000, 1000, 10, 60, 5, 20));
        Node[] abc = mesh(3);
        Node a = abc[0], b = abc[1], c = abc[2];
        // a burst of a's messages reaches b in one frame and never reached c (as if a's copies were lost)
        int n = Tuning.MAX_HELD_RELAYS + 44;
        List<byte[]> envelopes = new ArrayList<>();
        long first = net.now * 2; // above the seq a's fresh store started at
        for (int i = 0; i < n; i++) {
            envelopes.add(SignedMessage.sign(a.identity, new MessageBody(SimNet.ROOM, a.identity.publicKey(), first + i, (net.now << 16) + i, net.now, "", "burst " + i,
                    Optional.empty())).envelope());
        }
        List<Integer> atOnce = new ArrayList<>();
        net.wire = s -> {
            if (s.from() == b && s.to() == c && s.decoded() instanceof Frame.Messages m) atOnce.add(m.envelopes().size());
        };
        net.inject(a, b, Frame.encode(new Frame.Messages(envelopes, false, List.of())));
        assertEquals(n - Tuning.MAX_HELD_RELAYS, atOnce.stream().mapToInt(Integer::intValue).sum(), "over the bound: sent at once");
        List<Node> senders = countCrossings();
        net.settle(Tuning.RELAY_BACKSTOP_MS + 1000);
        assertEquals(n, c.history().stream().filter(m -> m.text().startsWith("burst ")).count());
        assertEquals(Tuning.MAX_HELD_RELAYS, senders.stream().filter(s -> s == b).count(), "the held ones after the backstop, each once");
    }

    @Test
    void summariesArePagedAt256AuthorsAndWantsAreBounded() {
        Node a = net.add(), b = net.add();
        // a holds one message of each of 300 authors (as if received earlier)
        List<SignedMessage> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Identity author = net.identity();
            many.add(SignedMessage.sign(author, new MessageBody(SimNet.ROOM, author.publicKey(), 1, (net.now - 1000 + i) << 16, net.now, "", "hi " + i, Optional.empty())));
        }
        a.store.insert(many, net.now, true);
        a.log.start();
        List<Frame.Summary> summaries = new ArrayList<>();
        int[] wantsInFlight = {0, 0};
        net.wire = s -> {
            Frame f = s.decoded();
            if (f instanceof Frame.Summary sum && s.from() == a) summaries.add(sum);
            if (f instanceof Frame.Want && s.from() == b) wantsInFlight[1] = Math.max(wantsInFlight[1], ++wantsInFlight[0]);
            if (f instanceof Frame.Messages m && s.from() == a) wantsInFlight[0] -= m.done().size();
        };
        net.link(a, b);
        net.settle(5000);
        assertEquals(2, summaries.size());
        assertTrue(summaries.get(0).more());
        assertFalse(summaries.get(1).more());
        assertEquals(300, summaries.get(0).entries().size() + summaries.get(1).entries().size());
        assertTrue(summaries.get(0).entries().size() <= WireLimits.MAX_ENTRIES);
        assertEquals(Tuning.MAX_WANTS_PER_PEER, wantsInFlight[1], "at most 8 WANTs outstanding to one peer");
        assertEquals(300, b.history().size());
        assertEquals(1, b.blocks.size());
    }

    @Test
    void aLongHistoryIsServedInWantsOfAThousandAndFramesUnder64KiB() {
        Node a = net.add(bigRoom(), RoomStore.inMemory(), 0, net.tuning);
        Node b = net.add(bigRoom(), RoomStore.inMemory(), 0, net.tuning);
        Identity author = net.identity();
        List<SignedMessage> many = new ArrayList<>();
        String kb = "x".repeat(1024);
        for (int i = 1; i <= 2100; i++) {
            many.add(SignedMessage.sign(author, new MessageBody(SimNet.ROOM, author.publicKey(), i, (net.now - 5000) << 16 | i, net.now, "", kb + i, Optional.empty())));
        }
        a.store.insert(many, net.now, true);
        a.log.start();
        List<Frame.Want> wants = new ArrayList<>();
        int[] frames = {0};
        net.wire = s -> {
            Frame f = s.decoded();
            if (f instanceof Frame.Want w) wants.add(w);
            if (f instanceof Frame.Messages) frames[0]++;
        };
        net.link(a, b);
        net.settle(10_000);
        assertEquals(2100, b.history().size());
        assertEquals(List.of(1L, 1001L, 2001L), wants.stream().map(Frame.Want::from).toList());
        assertTrue(wants.stream().allMatch(w -> w.limit() == WireLimits.MAX_WANT));
        assertTrue(frames[0] >= 2100 * 1100 / Tuning.PAGE_BYTES, "paged: " + frames[0] + " frames"); // SimNet checks each is <= 64 KiB
        assertTrue(b.blocks.size() >= 3, "a block is shown at 1,000 messages even while more come: " + b.blocks.size());
        assertEquals(2100, b.blocks.stream().mapToInt(List::size).sum());
    }

    private RoomConfig bigRoom() {
        return new RoomConfig(SimNet.ROOM, net.identity(), "", Optional.empty(), 5000, RoomConfig.DEFAULT_HISTORY_AGE);
    }

    @Test
    void receiptsTellWhenEveryMemberHoldsAMessage() {
        Node[] abc = net.line(3);
        Node a = abc[0], b = abc[1], c = abc[2]; // have-vectors flood: a knows c is a member though not a neighbour
        net.unlink(b, c);
        RoomMessage m = a.post("are you there?");
        assertEquals(1, a.pendingCount);
        net.settle(2000);
        List<PendingMessage> pending = a.log.pending();
        assertEquals(1, pending.size());
        assertEquals(List.of(c.peer), pending.get(0).missing(), "b holds it, c does not");
        assertTrue(a.delivered.isEmpty());
        net.link(b, c);
        net.settle(3000);
        assertEquals(List.of(m.id()), ids(a.delivered));
        assertEquals(0, a.pendingCount);
        assertTrue(a.log.pending().isEmpty());
    }

    @Test
    void aMemberThatLeavesDropsOutOfTheSnapshot() {
        Node[] abc = net.line(3);
        Node a = abc[0], b = abc[1], c = abc[2];
        net.unlink(b, c); // c is gone for good
        a.post("still pending?");
        net.settle(2000);
        assertEquals(1, a.pendingCount);
        net.settle(net.tuning.memberTtlMs() + 2000); // c's last have-vector is too old: it is no longer present
        assertEquals(0, a.pendingCount);
        assertEquals(1, a.delivered.size());
    }

    @Test
    void aloneAMessageStaysPendingUntilSomeoneHoldsIt() {
        Node a = net.add();
        a.post("anyone?");
        net.settle(5000);
        assertEquals(1, a.pendingCount);
        assertEquals(List.of(), a.log.pending().get(0).missing());
        Node b = net.add();
        net.link(a, b);
        net.settle(3000);
        assertEquals(List.of("anyone?"), texts(b.blocks.get(0)));
        assertEquals(0, a.pendingCount);
    }

    @Test
    void equivocationIsDroppedLoggedOnceAndNeverRelayed() throws Exception {
        Node a = net.add(), b = net.add(), c = net.add(), mallory = net.add();
        net.link(a, b);
        net.link(b, c);
        net.link(mallory, b);
        net.settle(1000);
        RoomMessage real = a.post("the real one");
        net.settle(1000);
        // a second, different body for the same (room, author, seq): only a's key can sign it, so a's key signed both
        // (a key restored without its history does this; SSB calls it a fork)
        for (String text : List.of("a forged one", "and another")) {
            SignedMessage fork = SignedMessage.sign(a.identity, new MessageBody(SimNet.ROOM, a.identity.publicKey(), real.seq(), real.hlc() + 1, net.now, "", text, Optional.empty()));
            net.inject(mallory, b, Frame.encode(new Frame.Messages(List.of(fork.envelope()), false, List.of())));
        }
        net.settle(1000);
        assertEquals(List.of("the real one"), texts(b.history()));
        assertEquals(List.of("the real one"), texts(c.history()));
        assertEquals(List.of("the real one"), texts(b.shown));
        assertEquals(1, b.rejected.size(), b.rejected.toString());
        assertTrue(b.rejected.get(0).contains("two different messages"), b.rejected.get(0));
        assertTrue(b.resets.isEmpty(), "the relaying peer may be honest: equivocation does not count against it");
    }

    @Test
    void badSignaturesAreDroppedAndAFewResetThePeer() {
        Node b = net.add(), c = net.add(), mallory = net.add();
        net.link(mallory, b);
        net.link(b, c);
        net.settle(1000);
        for (int i = 1; i <= Tuning.MAX_INVALID; i++) {
            byte[] env = SignedMessage.sign(mallory.identity, new MessageBody(SimNet.ROOM, mallory.identity.publicKey(), i, net.now << 16, net.now, "", "pay " + i, Optional.empty())).envelope();
            env[env.length - 1] ^= 1;
            net.inject(mallory, b, Frame.encode(new Frame.Messages(List.of(env), false, List.of())));
        }
        net.settle(1000);
        assertTrue(b.history().isEmpty() && c.history().isEmpty() && b.shown.isEmpty());
        assertEquals(List.of(mallory.peer), b.resets);
        assertFalse(net.isUp(mallory, b));
        assertEquals(2, b.rejected.size(), "one line for the bad signatures, one for the reset: " + b.rejected);
        // garbage frames count the same way and never throw
        Node d = net.add();
        net.link(d, c);
        for (byte[] junk : List.of(new byte[0], new byte[] {7, 1, 2}, new byte[] {Frame.MESSAGES, (byte) 0xFF}, new byte[] {Frame.HAVE, 10, 1, 0})) net.inject(d, c, junk);
        assertEquals(1, c.rejected.size(), "logged once: " + c.rejected);
        assertTrue(c.resets.isEmpty(), "four invalid frames are not yet five");
    }

    @Test
    void aFarFutureStampIsIgnoredNowAndCaughtUpLater() {
        Node a = net.add(net.identity(), RoomStore.inMemory(), 5 * 60_000); // a's clock runs 5 minutes fast
        Node b = net.add();
        net.link(a, b);
        net.settle(1000);
        a.post("from the future");
        net.settle(1000);
        assertTrue(b.history().isEmpty());
        assertEquals(1, b.rejected.size(), b.rejected.toString());
        assertTrue(b.rejected.get(0).contains("for now"), b.rejected.get(0));
        net.settle(4 * 60_000);
        assertEquals(List.of("from the future"), texts(b.history()));
        assertEquals(List.of("from the future"), texts(b.shown));
    }

    @Test
    void overThePerAuthorRateMessagesComeBackByCatchUp() {
        Tuning fastPoster = new Tuning(120_000, 20_000, 500, 60_000, 10_000, 300, 60_000, 20, 60, 1000, 1000, 5, 20);
        Node a = net.add(new RoomConfig(SimNet.ROOM, net.identity(), "", Optional.empty(), 1000, RoomConfig.DEFAULT_HISTORY_AGE), RoomStore.inMemory(), 0, fastPoster);
        Node b = net.add();
        net.link(a, b);
        net.settle(1000);
        for (int i = 0; i < 100; i++) a.post("burst " + i);
        net.settle(5000);
        assertEquals(100, b.history().size());
        assertEquals(100, new HashSet<>(ids(b.shown)).size());
        assertEquals(100, b.shown.size());
        assertTrue(b.rejected.stream().anyMatch(r -> r.contains("per-author rate")), b.rejected.toString());
        // and our own posting rate is capped below what peers accept
        Node c = net.add();
        assertThrows(IllegalStateException.class, () -> {
            for (int i = 0; i < 100; i++) c.post("spam " + i);
        });
    }

    @Test
    void aRestartShowsNothingTwiceAndContinuesTheSequence() throws Exception {
        Path file = dir.resolve("a.db");
        Identity aid = net.identity();
        RoomStore aStore = RoomStore.open(file);
        Node a = net.add(aid, aStore, 0), b = net.add();
        net.link(a, b);
        net.settle(1000);
        a.post("a1");
        b.post("b1");
        a.post("a2");
        net.settle(2000);
        long lastSeq = a.history().stream().filter(RoomMessage::own).mapToLong(RoomMessage::seq).max().orElseThrow();
        aStore.close();
        Node a2 = net.restart(a, RoomStore.open(file));
        assertTrue(a2.shown.isEmpty() && a2.blocks.isEmpty(), "nothing is shown again");
        assertEquals(List.of("a1", "b1", "a2"), texts(a2.history())); // where the conversation was
        net.link(a2, b);
        net.settle(2000);
        assertTrue(a2.shown.isEmpty(), "nothing is re-delivered either: " + texts(a2.shown));
        RoomMessage next = a2.post("a3");
        assertEquals(lastSeq + 1, next.seq());
        net.settle(2000);
        assertEquals("a3", b.shown.get(3).text());
        assertEquals(List.of("a1", "b1", "a2", "a3"), texts(b.history()));
        assertEquals(4, b.shown.size());
        assertTrue(b.rejected.isEmpty(), b.rejected.toString());
        a2.store.close();
    }

    @Test
    void aKeyReusedWithoutItsHistoryNeverRepeatsASeq() {
        Identity aid = net.identity();
        Node a = net.add(aid, RoomStore.inMemory(), 0), b = net.add();
        net.link(a, b);
        net.settle(1000);
        for (int i = 0; i < 3; i++) a.post("before " + i);
        net.settle(2000);
        a.store.close();
        net.advance(1);
        Node again = net.restart(a, RoomStore.inMemory()); // --no-history: same key, empty store
        net.link(again, b);
        net.settle(2000);
        again.post("after");
        net.settle(2000);
        assertTrue(b.rejected.isEmpty(), "no equivocation: " + b.rejected);
        assertEquals(List.of("before 0", "before 1", "before 2", "after"), texts(b.history()));
        assertEquals(List.of("before 0", "before 1", "before 2", "after"), texts(again.history()), "and it caught up its own history");
    }

    @Test
    void aPeersClaimAboutOurSeqDoesNotMoveItOnlyOurOwnSignatureDoes() {
        Node a = net.add(), mallory = net.add();
        net.link(a, mallory);
        net.settle(1000);
        long first = a.post("one").seq();
        long huge = Long.MAX_VALUE >>> 2;
        net.inject(mallory, a, Frame.encode(new Frame.Summary(SimNet.ROOM, List.of(new Frame.SummaryEntry(a.peer, 1, huge)), false)));
        net.inject(mallory, a, Frame.encode(new Frame.Have(lanchat.room.wire.HaveVector.sign(mallory.identity, SimNet.ROOM, Long.MAX_VALUE >>> 3,
                List.of(new lanchat.room.wire.HaveVector.Entry(a.peer, huge))).envelope())));
        net.settle(1000);
        assertEquals(first + 1, a.post("two").seq());
    }

    @Test
    void retentionPrunesAndThePrunedAreNotFetchedAgain() {
        RoomConfig small = new RoomConfig(SimNet.ROOM, net.identity(), "", Optional.empty(), 10, RoomConfig.DEFAULT_HISTORY_AGE);
        Node a = net.add(small, RoomStore.inMemory(), 0, net.tuning);
        Node b = net.add();
        net.link(a, b);
        for (int i = 0; i < 25; i++) {
            b.post("m" + i);
            net.settle(100);
        }
        net.settle(net.tuning.pruneIntervalMs() + 1000);
        assertEquals(10, a.store.count(SimNet.ROOM));
        assertEquals(25, b.store.count(SimNet.ROOM));
        int[] wants = {0};
        net.wire = s -> wants[0] += s.frame()[0] == Frame.WANT ? 1 : 0;
        net.unlink(a, b);
        net.link(a, b);
        net.settle(net.tuning.haveIntervalMs() * 3);
        assertEquals(0, wants[0], "what was pruned is not missing");
        // a late joiner served by the pruned node gets what it has, and does not ask again and again
        Node c = net.add();
        net.unlink(a, b);
        net.link(c, a);
        net.settle(net.tuning.haveIntervalMs() * 3);
        assertEquals(10, c.history().size());
        assertTrue(wants[0] <= 2, wants[0] + " wants");
    }

    @Test
    void searchAndHistoryAnswerFromTheStore() {
        Node a = net.add(), b = net.add();
        net.link(a, b);
        a.post("the quick brown fox");
        b.post("lazy dogs");
        net.settle(1000);
        assertEquals(List.of("the quick brown fox"), texts(b.log.search("qui", 10)));
        assertEquals(List.of("lazy dogs"), texts(b.log.history(1)));
        assertEquals(Set.of(a.peer, b.peer), new HashSet<PeerId>(b.log.history(5).stream().map(RoomMessage::author).toList()));
    }
}
