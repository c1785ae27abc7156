package lanchat.room.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.internal.ProtoWriter;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    static final String ROOM = "lobby";
    static final long NOW = 1_700_000_000_000L;
    static final long MAX_HLC = (NOW + 120_000) << 16 | 0xFFFF;

    final Identity alice = Identity.fromSeed(seed(1));
    final Identity mallory = Identity.fromSeed(seed(2));

    static byte[] seed(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    MessageBody body(Identity who, long seq, String text) {
        return new MessageBody(ROOM, who.publicKey(), seq, NOW << 16 | seq, NOW, "alice", text, Optional.empty());
    }

    @Test
    void signedMessageRoundTripsByteForByte() throws Rejection {
        SignedMessage m = SignedMessage.sign(alice, body(alice, 7, "héllo 👋"));
        SignedMessage back = SignedMessage.open(m.envelope(), ROOM, MAX_HLC);
        assertEquals(m.body(), back.body());
        assertArrayEquals(m.id(), back.id());
        assertArrayEquals(m.envelope(), back.envelope());
        assertEquals(alice.peerId(), back.author());
        assertEquals(8, back.shortId().length());
        assertEquals("héllo 👋", back.body().text());
    }

    @Test
    void relayedFromAndEmptyNickRoundTrip() throws Rejection {
        PeerId plain = Identity.fromSeed(seed(3)).peerId();
        MessageBody b = new MessageBody(ROOM, alice.publicKey(), 1, NOW << 16, NOW, "", "from go", Optional.of(plain));
        SignedMessage back = SignedMessage.open(SignedMessage.sign(alice, b).envelope(), ROOM, MAX_HLC);
        assertEquals(Optional.of(plain), back.body().relayedFrom());
        assertEquals("", back.body().nick());
    }

    @Test
    void theIdIsTheHashOfTheBodySoIdenticalTextsAreDifferentMessages() {
        SignedMessage one = SignedMessage.sign(alice, body(alice, 1, "ok"));
        SignedMessage two = SignedMessage.sign(alice, body(alice, 2, "ok"));
        assertFalse(Arrays.equals(one.id(), two.id()));
    }

    @Test
    void aFlippedBitInTheBodyOrSignatureIsABadSignature() {
        byte[] env = SignedMessage.sign(alice, body(alice, 1, "pay bob 10")).envelope();
        // the text is at the end of the body, just before the 66-byte signature field
        for (int at : new int[] {env.length - 70, env.length - 1}) {
            byte[] bad = env.clone();
            bad[at] ^= 1;
            Rejection r = assertThrows(Rejection.class, () -> SignedMessage.open(bad, ROOM, MAX_HLC));
            assertEquals(Rejection.Kind.BAD_SIGNATURE, r.kind(), r.getMessage());
        }
    }

    @Test
    void aBodySignedByAnotherKeyIsABadSignature() throws Rejection {
        // mallory signs a body that claims alice as its author
        byte[] bodyBytes = body(alice, 1, "i owe mallory").encode();
        byte[] env = new Envelope(bodyBytes, mallory.sign(lanchat.api.internal.Bytes.concat(Envelope.MESSAGE_DOMAIN, bodyBytes))).encode();
        assertEquals(Rejection.Kind.BAD_SIGNATURE, assertThrows(Rejection.class, () -> SignedMessage.open(env, ROOM, MAX_HLC)).kind());
    }

    @Test
    void aHaveSignatureIsNotAMessageSignature() {
        byte[] bodyBytes = body(alice, 1, "x").encode();
        byte[] env = new Envelope(bodyBytes, alice.sign(lanchat.api.internal.Bytes.concat(Envelope.HAVE_DOMAIN, bodyBytes))).encode();
        assertEquals(Rejection.Kind.BAD_SIGNATURE, assertThrows(Rejection.class, () -> SignedMessage.open(env, ROOM, MAX_HLC)).kind());
    }

    @Test
    void anotherRoomsMessageIsRejectedBeforeItsSignatureIsChecked() {
        byte[] env = SignedMessage.sign(alice, body(alice, 1, "x")).envelope();
        assertEquals(Rejection.Kind.WRONG_ROOM, assertThrows(Rejection.class, () -> SignedMessage.open(env, "other", MAX_HLC)).kind());
    }

    @Test
    void aFarFutureStampIsTransientNotPermanent() {
        MessageBody b = new MessageBody(ROOM, alice.publicKey(), 1, (NOW + 121_000) << 16, NOW, "", "from the future", Optional.empty());
        byte[] env = SignedMessage.sign(alice, b).envelope();
        Rejection r = assertThrows(Rejection.class, () -> SignedMessage.open(env, ROOM, MAX_HLC));
        assertEquals(Rejection.Kind.FUTURE, r.kind());
        assertTrue(r.transientRejection());
        // two minutes later it is fine
        assertTrue(assertDoesNotThrow(env, (NOW + 2_000 + 120_000) << 16 | 0xFFFF));
    }

    private static boolean assertDoesNotThrow(byte[] env, long maxHlc) {
        try {
            SignedMessage.open(env, ROOM, maxHlc);
            return true;
        } catch (Rejection r) {
            throw new AssertionError(r.getMessage());
        }
    }

    @Test
    void oversizedTextAndEnvelopesAreRejected() {
        String big = "x".repeat(WireLimits.MAX_TEXT_BYTES + 1);
        assertThrows(IllegalArgumentException.class, () -> body(alice, 1, big));
        assertEquals(16 * 1024, MessageBody.utf8Length("é".repeat(8 * 1024)));
        // a body built by hand past the checks
        byte[] raw = new ProtoWriter().string(1, ROOM).bytes(2, alice.publicKey().encode()).varint(3, 1).varint(4, NOW << 16).varint(5, NOW).string(7, big).toByteArray();
        byte[] env = Envelope.sign(alice, Envelope.MESSAGE_DOMAIN, raw);
        assertEquals(Rejection.Kind.OVERSIZED, assertThrows(Rejection.class, () -> SignedMessage.open(env, ROOM, MAX_HLC)).kind());
        byte[] huge = new ProtoWriter().bytes(1, new byte[WireLimits.MAX_ENVELOPE_BYTES]).bytes(2, new byte[64]).toByteArray();
        assertEquals(Rejection.Kind.OVERSIZED, assertThrows(Rejection.class, () -> SignedMessage.open(huge, ROOM, MAX_HLC)).kind());
    }

    @Test
    void malformedBodiesAreRejected() {
        byte[] key = alice.publicKey().encode();
        List<byte[]> bodies = List.of(
                new ProtoWriter().string(1, ROOM).bytes(2, key).varint(3, 1).varint(4, 1).varint(5, 1).toByteArray(), // no text
                new ProtoWriter().string(1, ROOM).bytes(2, key).varint(3, 1).varint(3, 2).varint(4, 1).varint(5, 1).string(7, "x").toByteArray(), // seq twice
                new ProtoWriter().string(1, ROOM).bytes(2, key).varint(3, 0).varint(4, 1).varint(5, 1).string(7, "x").toByteArray(), // seq 0
                new ProtoWriter().string(1, ROOM).bytes(2, key).varint(3, 1).varint(4, 1).varint(5, 1).string(6, "two words").string(7, "x").toByteArray(), // nick
                new ProtoWriter().string(1, ROOM).bytes(2, key).varint(3, 1).varint(4, 1).varint(5, 1).bytes(7, new byte[] {(byte) 0xC3}).toByteArray(), // bad UTF-8
                new ProtoWriter().string(1, ROOM).bytes(2, new byte[] {8, 1}).varint(3, 1).varint(4, 1).varint(5, 1).string(7, "x").toByteArray(), // no key data
                new ProtoWriter().string(1, ROOM).varint(2, 5).toByteArray(), // wrong wire type
                Arrays.copyOf(new ProtoWriter().string(1, ROOM).bytes(2, key).toByteArray(), 10)); // truncated
        for (byte[] raw : bodies) {
            byte[] env = Envelope.sign(alice, Envelope.MESSAGE_DOMAIN, raw);
            Rejection r = assertThrows(Rejection.class, () -> SignedMessage.open(env, ROOM, MAX_HLC));
            assertEquals(Rejection.Kind.MALFORMED, r.kind(), r.getMessage());
        }
        assertEquals(Rejection.Kind.MALFORMED, assertThrows(Rejection.class, () -> Envelope.decode(new ProtoWriter().bytes(1, new byte[3]).toByteArray())).kind());
    }

    @Test
    void onlyEd25519AuthorsAreAccepted() {
        byte[] secpKey = new lanchat.api.crypto.PeerPublicKey(lanchat.api.crypto.KeyType.SECP256K1, new byte[33]).encode();
        byte[] raw = new ProtoWriter().string(1, ROOM).bytes(2, secpKey).varint(3, 1).varint(4, 1).varint(5, 1).string(7, "x").toByteArray();
        byte[] env = new ProtoWriter().bytes(1, raw).bytes(2, new byte[64]).toByteArray();
        assertEquals(Rejection.Kind.UNSUPPORTED_KEY, assertThrows(Rejection.class, () -> SignedMessage.open(env, ROOM, MAX_HLC)).kind());
    }

    @Test
    void haveVectorsRoundTripAndVerify() throws Rejection {
        PeerId bob = mallory.peerId();
        HaveVector v = HaveVector.sign(alice, ROOM, 42, List.of(new HaveVector.Entry(alice.peerId(), 9), new HaveVector.Entry(bob, 3)));
        HaveVector back = HaveVector.decode(v.envelope(), ROOM);
        back.verify();
        assertEquals(alice.peerId(), back.member());
        assertEquals(42, back.version());
        assertEquals(9, back.high(alice.peerId()));
        assertEquals(3, back.high(bob));
        assertEquals(0, back.high(Identity.fromSeed(seed(9)).peerId()));
        assertEquals(Rejection.Kind.WRONG_ROOM, assertThrows(Rejection.class, () -> HaveVector.decode(v.envelope(), "other")).kind());
        byte[] bad = v.envelope().clone();
        bad[bad.length - 1] ^= 1;
        assertEquals(Rejection.Kind.BAD_SIGNATURE, assertThrows(Rejection.class, () -> HaveVector.decode(bad, ROOM).verify()).kind());
    }

    @Test
    void aHaveVectorsNeighbourListRoundTripsAndIsSigned() throws Rejection {
        List<PeerId> neighbours = List.of(mallory.peerId(), Identity.fromSeed(seed(4)).peerId());
        HaveVector v = HaveVector.sign(alice, ROOM, 7, List.of(new HaveVector.Entry(alice.peerId(), 2)), neighbours);
        HaveVector back = HaveVector.decode(v.envelope(), ROOM);
        back.verify();
        assertEquals(neighbours, back.neighbours());
        assertEquals(2, back.high(alice.peerId()));
        // the list is inside the signed body: one changed id byte is a bad signature, not another list
        byte[] env = v.envelope();
        int at = indexOf(env, mallory.peerId().toBytes()) + 10;
        byte[] bad = env.clone();
        bad[at] ^= 1;
        assertEquals(Rejection.Kind.BAD_SIGNATURE, assertThrows(Rejection.class, () -> HaveVector.decode(bad, ROOM).verify()).kind());
    }

    /** Compatible both ways: a vector without the field (an older peer's) decodes with no neighbours; an older decoder skips it. */
    @Test
    void aHaveVectorWithoutNeighboursIsAnOlderPeersAndStillReads() throws Rejection {
        HaveVector old = HaveVector.decode(HaveVector.sign(alice, ROOM, 1, List.of()).envelope(), ROOM);
        old.verify();
        assertEquals(List.of(), old.neighbours());
        // what an older peer's decoder sees: field 5 is unknown to it and skipped like any other unknown field
        byte[] body = Envelope.decode(HaveVector.sign(alice, ROOM, 1, List.of(), List.of(mallory.peerId())).envelope()).body();
        lanchat.api.internal.ProtoReader in = new lanchat.api.internal.ProtoReader(body);
        int known = 0;
        while (in.next()) {
            if (in.field() <= 4) known++;
            in.skip();
        }
        assertEquals(3, known, "room, member key and version are still where v1 reads them");
    }

    @Test
    void aHaveVectorNamingTooManyNeighboursIsRejectedInOneLine() throws Rejection {
        List<PeerId> many = new java.util.ArrayList<>();
        for (int i = 0; i <= WireLimits.MAX_NEIGHBOURS; i++) many.add(Identity.fromSeed(seed(10 + i % 200)).peerId());
        assertThrows(IllegalArgumentException.class, () -> HaveVector.sign(alice, ROOM, 1, List.of(), many)); // we never make one
        // a peer that does: built field by field, signed correctly
        ProtoWriter w = new ProtoWriter().string(1, ROOM).bytes(2, alice.publicKey().encode()).varint(3, 1);
        for (PeerId p : many) w.bytes(5, p.toBytes());
        byte[] env = Envelope.sign(alice, Envelope.HAVE_DOMAIN, w.toByteArray());
        Rejection r = assertThrows(Rejection.class, () -> HaveVector.decode(env, ROOM));
        assertEquals(Rejection.Kind.OVERSIZED, r.kind());
        assertEquals("have-vector with more than " + WireLimits.MAX_NEIGHBOURS + " neighbours", r.getMessage());
        // 256 are fine
        HaveVector.decode(HaveVector.sign(alice, ROOM, 1, List.of(), many.subList(0, WireLimits.MAX_NEIGHBOURS)).envelope(), ROOM);
        // and a neighbour that is not a peer id is malformed, not a crash
        byte[] junk = Envelope.sign(alice, Envelope.HAVE_DOMAIN, new ProtoWriter().string(1, ROOM).bytes(2, alice.publicKey().encode()).varint(3, 1)
                .bytes(5, new byte[] {1, 2, 3}).toByteArray());
        assertEquals(Rejection.Kind.MALFORMED, assertThrows(Rejection.class, () -> HaveVector.decode(junk, ROOM)).kind());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void framesRoundTrip() throws Rejection {
        PeerId a = alice.peerId();
        byte[] env = SignedMessage.sign(alice, body(alice, 1, "x")).envelope();
        Frame.Summary s = (Frame.Summary) Frame.decode(Frame.encode(new Frame.Summary(ROOM, List.of(new Frame.SummaryEntry(a, 3, 9)), true)));
        assertEquals(new Frame.Summary(ROOM, List.of(new Frame.SummaryEntry(a, 3, 9)), true), s);
        assertEquals(new Frame.Want(ROOM, a, 4, 900, 1000), Frame.decode(Frame.encode(new Frame.Want(ROOM, a, 4, 900, 1000))));
        Frame.Messages m = (Frame.Messages) Frame.decode(Frame.encode(new Frame.Messages(List.of(env, env), true, List.of(new Frame.Done(a, 9)))));
        assertEquals(2, m.envelopes().size());
        assertArrayEquals(env, m.envelopes().get(1));
        assertTrue(m.catchUp());
        assertEquals(List.of(new Frame.Done(a, 9)), m.done());
        assertArrayEquals(env, ((Frame.Have) Frame.decode(Frame.encode(new Frame.Have(env)))).envelope());
    }

    @Test
    void badFramesAreRejected() {
        PeerId a = alice.peerId();
        assertEquals(Rejection.Kind.MALFORMED, assertThrows(Rejection.class, () -> Frame.decode(new byte[0])).kind());
        assertEquals(Rejection.Kind.MALFORMED, assertThrows(Rejection.class, () -> Frame.decode(new byte[] {9})).kind());
        assertEquals(Rejection.Kind.OVERSIZED, assertThrows(Rejection.class, () -> Frame.decode(new byte[WireLimits.MAX_FRAME_BYTES + 1])).kind());
        // a WANT for more than 1,000 messages, and one with an empty range
        byte[] want = Frame.encode(new Frame.Want(ROOM, a, 1, 5000, 1000));
        want[want.length - 2] = (byte) 0xE9; // limit 1001 as a two-byte varint (0xE9 0x07)
        want[want.length - 1] = 0x07;
        assertEquals(Rejection.Kind.OVERSIZED, assertThrows(Rejection.class, () -> Frame.decode(want)).kind());
        assertEquals(Rejection.Kind.MALFORMED, assertThrows(Rejection.class, () -> Frame.decode(Frame.encode(new Frame.Want(ROOM, a, 9, 3, 10)))).kind());
        // a summary of 257 authors
        ProtoWriter w = new ProtoWriter().string(1, ROOM);
        byte[] entry = new ProtoWriter().bytes(1, a.toBytes()).varint(2, 1).varint(3, 1).toByteArray();
        for (int i = 0; i <= WireLimits.MAX_ENTRIES; i++) w.bytes(2, entry);
        byte[] summary = lanchat.api.internal.Bytes.concat(new byte[] {Frame.SUMMARY}, w.toByteArray());
        assertEquals(Rejection.Kind.OVERSIZED, assertThrows(Rejection.class, () -> Frame.decode(summary)).kind());
        assertThrows(IllegalArgumentException.class, () -> Frame.encode(new Frame.Messages(List.of(new byte[40_000], new byte[40_000]), false, List.of())));
    }
}
