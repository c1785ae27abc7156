package lanchat.room.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import lanchat.api.Identity;
import lanchat.room.wire.MessageBody;
import lanchat.room.wire.SignedMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoomStoreTest {
    static final String ROOM = "lobby";
    static final long NOW = 1_700_000_000_000L;

    static Identity identity(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return Identity.fromSeed(s);
    }

    final Identity alice = identity(1), bob = identity(2);

    static SignedMessage msg(Identity who, long seq, long ms, String text) {
        return SignedMessage.sign(who, new MessageBody(ROOM, who.publicKey(), seq, ms << 16, ms, "", text, Optional.empty()));
    }

    @TempDir
    Path dir;

    @Test
    void insertIfAbsentTellsDuplicatesFromConflicts() {
        try (RoomStore s = RoomStore.inMemory()) {
            SignedMessage m = msg(alice, 1, NOW, "hi");
            assertEquals(List.of(RoomStore.Insert.INSERTED), s.insert(List.of(m), NOW, false));
            assertEquals(List.of(RoomStore.Insert.DUPLICATE), s.insert(List.of(m), NOW, false));
            assertEquals(List.of(RoomStore.Insert.CONFLICT), s.insert(List.of(msg(alice, 1, NOW, "something else")), NOW, false));
            assertEquals(1, s.count(ROOM));
            assertArrayEquals(m.id(), s.idOf(ROOM, alice.peerId(), 1)); // the first stays; never overwritten
            assertEquals("hi", s.history(ROOM, 10).get(0).message().body().text());
            assertNull(s.idOf(ROOM, alice.peerId(), 2));
        }
    }

    @Test
    void theMarkIsTheContiguousHighWaterMark() {
        try (RoomStore s = RoomStore.inMemory()) {
            s.insert(List.of(msg(alice, 1, NOW, "a"), msg(alice, 2, NOW, "b"), msg(alice, 4, NOW, "d")), NOW, false);
            assertEquals(new AuthorMark(alice.peerId(), 1, 2), s.mark(ROOM, alice.peerId()));
            s.insert(List.of(msg(alice, 3, NOW, "c")), NOW, false);
            assertEquals(new AuthorMark(alice.peerId(), 1, 4), s.mark(ROOM, alice.peerId()));
            // an author first seen at seq 5: nothing is contiguous until the gap is filled or skipped
            s.insert(List.of(msg(bob, 5, NOW, "e"), msg(bob, 6, NOW, "f")), NOW, false);
            assertEquals(new AuthorMark(bob.peerId(), 5, 0), s.mark(ROOM, bob.peerId()));
            // a peer answered for 1..4 with nothing: skipped, and the run held after it joins
            assertEquals(new AuthorMark(bob.peerId(), 5, 6), s.skipTo(ROOM, bob.peerId(), 4, NOW));
            assertEquals(new AuthorMark(bob.peerId(), 5, 6), s.skipTo(ROOM, bob.peerId(), 2, NOW)); // never backwards
            assertEquals(new AuthorMark(identity(3).peerId(), 1, 0), s.mark(ROOM, identity(3).peerId()));
        }
    }

    @Test
    void historyIsInRoomOrderAndSearchUsesFts() {
        try (RoomStore s = RoomStore.inMemory()) {
            // same hlc for two authors: the author's id breaks the tie, the same on every node
            s.insert(List.of(msg(bob, 1, NOW + 5, "lunch at noon?"), msg(alice, 1, NOW + 5, "Lunchtime soon"), msg(alice, 2, NOW + 1, "first \"quoted\" words")), NOW, false);
            List<String> order = s.history(ROOM, 10).stream().map(m -> m.message().body().text()).toList();
            boolean aliceFirst = alice.peerId().compareTo(bob.peerId()) < 0;
            assertEquals(List.of("first \"quoted\" words", aliceFirst ? "Lunchtime soon" : "lunch at noon?", aliceFirst ? "lunch at noon?" : "Lunchtime soon"), order);
            assertEquals(2, s.history(ROOM, 2).size());
            assertEquals("first \"quoted\" words", s.history(ROOM, 3).get(0).message().body().text());
            assertEquals(2, s.search(ROOM, "lunch", 10).size()); // a prefix of "lunchtime", case-insensitive
            assertEquals(1, s.search(ROOM, "at noon", 10).size());
            assertEquals(1, s.search(ROOM, "\"quoted", 10).size()); // what the user typed is a phrase, never query syntax
            assertEquals(0, s.search(ROOM, "AND OR NOT (", 10).size());
            assertEquals(0, s.search(ROOM, "  ", 10).size());
            assertEquals(0, s.search("other", "lunch", 10).size());
        }
    }

    @Test
    void ownSeqContinuesAfterReopenAndAFreshStoreStartsAtTheClock() throws Exception {
        Path file = dir.resolve("id").resolve("history.db");
        long first;
        try (RoomStore s = RoomStore.open(file)) {
            assertEquals(0, s.lastOwnSeq(ROOM));
            first = s.appendOwn(ROOM, NOW, NOW, seq -> msg(alice, seq, NOW, "one")).seq();
            assertEquals(NOW, first); // a fresh store never reuses a seq an earlier store (same key) handed out
            assertEquals(first + 1, s.appendOwn(ROOM, NOW, NOW, seq -> msg(alice, seq, NOW, "two")).seq());
            assertEquals(new AuthorMark(alice.peerId(), first, first + 1), s.mark(ROOM, alice.peerId()));
        }
        try (RoomStore s = RoomStore.open(file)) {
            assertEquals("ok", s.integrityCheck());
            assertEquals(first + 1, s.lastOwnSeq(ROOM));
            assertEquals(first + 2, s.appendOwn(ROOM, NOW + 99_999, NOW, seq -> msg(alice, seq, NOW, "three")).seq());
            s.raiseOwnSeq(ROOM, first + 10); // peers hold more of ours than this store
            s.raiseOwnSeq(ROOM, 5); // never lowers
            assertEquals(first + 11, s.appendOwn(ROOM, NOW, NOW, seq -> msg(alice, seq, NOW, "four")).seq());
            assertEquals(List.of(first, first + 1, first + 2, first + 11), s.history(ROOM, 10).stream().map(m -> m.message().seq()).toList());
            assertTrue(s.history(ROOM, 10).stream().allMatch(StoredMessage::shown));
        }
    }

    @Test
    void pagesAreAscendingAndBoundedByCountAndBytes() {
        try (RoomStore s = RoomStore.inMemory()) {
            for (int i = 1; i <= 30; i++) s.insert(List.of(msg(alice, i, NOW + i, "x".repeat(1000))), NOW, false);
            List<SignedMessage> p = s.page(ROOM, alice.peerId(), 5, 20, 100, 10_000);
            int perPage = 10_000 / p.get(0).envelope().length; // the envelopes are all the same size
            assertEquals(java.util.stream.LongStream.range(5, 5 + perPage).boxed().toList(), p.stream().map(SignedMessage::seq).toList());
            assertEquals(3, s.page(ROOM, alice.peerId(), 28, 99, 100, 1 << 20).size());
            assertEquals(2, s.page(ROOM, alice.peerId(), 1, 30, 2, 1 << 20).size());
            assertEquals(1, s.page(ROOM, alice.peerId(), 1, 30, 9, 10).size()); // one always fits
            assertEquals(0, s.page(ROOM, bob.peerId(), 1, 30, 9, 1 << 20).size());
        }
    }

    @Test
    void pruningKeepsTheNewestAndTheMarksStillCountPrunedAsHeld() {
        try (RoomStore s = RoomStore.inMemory()) {
            for (int i = 1; i <= 10; i++) s.insert(List.of(msg(alice, i, NOW + i, "a" + i), msg(bob, i, NOW + 100 + i, "b" + i)), NOW, false);
            assertEquals(5, s.prune(ROOM, 15, 0, 500, 0));
            assertEquals(15, s.count(ROOM));
            assertEquals(new AuthorMark(alice.peerId(), 6, 10), s.mark(ROOM, alice.peerId()));
            // by age: everything of alice is older than NOW + 50
            assertEquals(3, s.prune(ROOM, 100, (NOW + 50) << 16, 3, 0)); // in batches
            assertEquals(2, s.prune(ROOM, 100, (NOW + 50) << 16, 3, 0));
            assertEquals(new AuthorMark(alice.peerId(), 11, 10), s.mark(ROOM, alice.peerId())); // nothing held, nothing missing
            assertEquals(10, s.count(ROOM));
            // a forgotten author's mark goes once nothing of it is held and it was untouched long enough
            assertEquals(0, s.prune(ROOM, 100, 0, 500, NOW + 1));
            assertEquals(new AuthorMark(alice.peerId(), 1, 0), s.mark(ROOM, alice.peerId()));
            assertEquals(10, s.search(ROOM, "b", 100).size()); // the FTS index followed the deletes
            assertEquals(0, s.search(ROOM, "a", 100).size());
        }
    }

    @Test
    void unshownAndUndeliveredAreTracked() {
        try (RoomStore s = RoomStore.inMemory()) {
            SignedMessage live = msg(bob, 1, NOW, "live");
            SignedMessage caught = msg(bob, 2, NOW + 1, "caught up");
            s.insert(List.of(live), NOW, true);
            s.insert(List.of(caught), NOW, false);
            assertEquals(List.of(2L), s.unshown(ROOM, 10).stream().map(m -> m.message().seq()).toList());
            s.markShown(List.of(caught));
            assertTrue(s.unshown(ROOM, 10).isEmpty());
            SignedMessage mine = s.appendOwn(ROOM, 1, NOW, seq -> msg(alice, seq, NOW, "mine"));
            assertEquals(1, s.undelivered(ROOM, alice.peerId(), 10).size());
            s.markDelivered(List.of(mine));
            assertTrue(s.undelivered(ROOM, alice.peerId(), 10).isEmpty());
        }
    }
}
