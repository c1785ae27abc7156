package lanchat.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.internal.ProtoWriter;

class NoiseHandshakeTest {
    private static final List<String> MUXERS = List.of("/yamux/1.0.0", "/mplex/6.7.0");
    private final Identity alice = Identity.generate();
    private final Identity bob = Identity.generate();

    /** Runs the three messages, passing each through {@code tamper} (message index 0..2). */
    static NoiseResult[] run(NoiseHandshake initiator, NoiseHandshake responder, int index, UnaryOperator<byte[]> tamper) throws NoiseException {
        NoiseHandshake[] writers = {initiator, responder, initiator};
        NoiseHandshake[] readers = {responder, initiator, responder};
        for (int i = 0; i < 3; i++) {
            assertTrue(writers[i].isOurTurn());
            assertFalse(readers[i].isOurTurn());
            byte[] m = writers[i].writeMessage();
            readers[i].readMessage(i == index ? tamper.apply(m) : m);
        }
        return new NoiseResult[] {initiator.result(), responder.result()};
    }

    static NoiseResult[] run(NoiseHandshake initiator, NoiseHandshake responder) throws NoiseException {
        return run(initiator, responder, -1, null);
    }

    @Test
    void handshakeBothWaysAndTransport() throws NoiseException {
        for (boolean aliceDials : new boolean[] {true, false}) {
            Identity dialer = aliceDials ? alice : bob, listener = aliceDials ? bob : alice;
            NoiseHandshake i = NoiseHandshake.initiator(dialer, listener.peerId(), MUXERS);
            NoiseHandshake r = NoiseHandshake.responder(listener, List.of("/yamux/1.0.0"));
            NoiseResult[] res = run(i, r);
            assertTrue(i.isComplete() && r.isComplete());
            assertFalse(i.isOurTurn() || r.isOurTurn());
            assertEquals(listener.peerId(), res[0].remotePeer());
            assertEquals(listener.publicKey(), res[0].remoteKey());
            assertEquals(List.of("/yamux/1.0.0"), res[0].remoteMuxers());
            assertEquals(dialer.peerId(), res[1].remotePeer());
            assertEquals(dialer.publicKey(), res[1].remoteKey());
            assertEquals(MUXERS, res[1].remoteMuxers());
            assertArrayEquals(res[0].handshakeHash(), res[1].handshakeHash());
            assertEquals(32, res[0].handshakeHash().length);
            exchange(res[0], res[1]);
        }
    }

    @Test
    void ofTakesTheRoleAsAFlagAndAResponderMayExpectAPeerToo() throws NoiseException {
        SignedStaticKey aliceKey = SignedStaticKey.generate(alice), bobKey = SignedStaticKey.generate(bob);
        NoiseHandshake i = NoiseHandshake.of(true, aliceKey, bob.peerId(), List.of());
        NoiseHandshake r = NoiseHandshake.of(false, bobKey, alice.peerId(), List.of());
        assertTrue(i.isInitiator() && i.isOurTurn());
        assertFalse(r.isInitiator() || r.isOurTurn());
        NoiseResult[] res = run(i, r);
        assertEquals(bob.peerId(), res[0].remotePeer());
        assertEquals(alice.peerId(), res[1].remotePeer());

        Identity carol = Identity.generate();
        NoiseHandshake expectsCarol = NoiseHandshake.of(false, bobKey, carol.peerId(), List.of());
        NoiseException e = assertThrows(NoiseException.class, () -> run(NoiseHandshake.of(true, aliceKey, null, List.of()), expectsCarol));
        assertTrue(e.getMessage().contains("peer id mismatch"), e.getMessage());
        assertTrue(expectsCarol.hasFailed());
        assertFalse(expectsCarol.isComplete());
    }

    @Test
    void oneSignedStaticKeyServesManyHandshakesEachWithItsOwnSessionKeys() throws NoiseException {
        SignedStaticKey aliceKey = SignedStaticKey.generate(alice), bobKey = SignedStaticKey.generate(bob);
        NoiseResult[] first = run(NoiseHandshake.initiator(aliceKey, bob.peerId(), MUXERS), NoiseHandshake.responder(bobKey, MUXERS));
        NoiseResult[] second = run(NoiseHandshake.initiator(aliceKey, bob.peerId(), MUXERS), NoiseHandshake.responder(bobKey, MUXERS));
        assertEquals(alice.peerId(), second[1].remotePeer());
        assertEquals(bob.peerId(), second[0].remotePeer());
        // fresh ephemeral keys: a different transcript, and the first session's keys cannot read the second's traffic
        assertFalse(Arrays.equals(first[0].handshakeHash(), second[0].handshakeHash()));
        byte[] sealed = second[0].sender().encrypt("hello".getBytes(StandardCharsets.UTF_8));
        assertThrows(NoiseException.class, () -> first[1].receiver().decrypt(sealed));
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), second[1].receiver().decrypt(sealed));
        exchange(first[0], first[1]);
        // a static key signed by someone else is refused, whoever presents it
        NoiseHandshake stolen = NoiseHandshake.create(true, alice.publicKey(), msg -> bob.sign(msg), null, List.of());
        assertThrows(NoiseException.class, () -> run(stolen, NoiseHandshake.responder(bobKey, List.of())));
    }

    /** Interleaved traffic both ways: each direction keeps its own counter. */
    static void exchange(NoiseResult a, NoiseResult b) throws NoiseException {
        for (int n = 0; n < 50; n++) {
            byte[] up = ("up " + n).getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(up, b.receiver().decrypt(a.sender().encrypt(up)));
            if (n % 3 == 0) {
                byte[] down = ("down " + n).getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(down, a.receiver().decrypt(b.sender().encrypt(down)));
            }
        }
        // the two directions have different keys
        assertThrows(NoiseException.class, () -> a.receiver().decrypt(a.sender().encrypt(new byte[3])));
    }

    @Test
    void messageSizesAndEmptyExtensions() throws NoiseException {
        NoiseHandshake i = NoiseHandshake.initiator(alice, null, List.of());
        NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
        byte[] m1 = i.writeMessage();
        assertEquals(32, m1.length, "message 1 is the bare ephemeral key");
        r.readMessage(m1);
        byte[] m2 = r.writeMessage();
        // identity_key (2+36) + identity_sig (2+64), no extensions field
        assertEquals(32 + 48 + (38 + 66) + 16, m2.length);
        i.readMessage(m2);
        byte[] m3 = i.writeMessage();
        assertEquals(48 + (38 + 66) + 16, m3.length);
        r.readMessage(m3);
        assertEquals(List.of(), i.result().remoteMuxers());
        assertEquals(List.of(), r.result().remoteMuxers());
    }

    @Test
    void expectedPeerMismatchFails() throws NoiseException {
        Identity carol = Identity.generate();
        NoiseHandshake i = NoiseHandshake.initiator(alice, carol.peerId(), List.of());
        NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
        r.readMessage(i.writeMessage());
        NoiseException e = assertThrows(NoiseException.class, () -> i.readMessage(r.writeMessage()));
        assertEquals("peer id mismatch: expected " + carol.peerId() + ", got " + bob.peerId(), e.getMessage());
        assertFalse(i.isOurTurn());
        assertThrows(IllegalStateException.class, i::writeMessage, "a failed handshake stays failed");
        assertThrows(IllegalStateException.class, i::result);
    }

    @Test
    void everyFlippedByteFails() throws NoiseException {
        FixedPeers peers = new FixedPeers();
        for (int index = 0; index < 3; index++) {
            for (int at = 0; at < peers.transcript[index].length; at++) {
                int pos = at, bit = 1 << (at % 8);
                try {
                    peers.run(index, m -> {
                        m[pos] ^= (byte) bit;
                        return m;
                    });
                    fail("message " + (index + 1) + " with byte " + pos + " flipped was accepted");
                } catch (NoiseException expected) {
                    // a flip in message 1 is only noticed when message 2 fails to decrypt
                }
            }
        }
    }

    @Test
    void forgedSignaturesFail() throws NoiseException {
        NoiseHandshake.Signer flipped = msg -> {
            byte[] s = alice.sign(msg);
            s[10] ^= 1;
            return s;
        };
        NoiseHandshake.Signer otherStaticKey = msg -> {
            byte[] m = msg.clone();
            m[m.length - 1] ^= 1; // signs some other Noise static key
            return alice.sign(m);
        };
        NoiseHandshake.Signer wrongPrefix = msg -> alice.sign(Arrays.copyOfRange(msg, "noise-libp2p-static-key:".length(), msg.length));
        NoiseHandshake.Signer someoneElse = msg -> bob.sign(msg);
        for (NoiseHandshake.Signer forger : List.of(flipped, otherStaticKey, wrongPrefix, someoneElse)) {
            // as the initiator: the responder rejects message 3
            NoiseHandshake i = NoiseHandshake.create(true, alice.publicKey(), forger, null, List.of());
            NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
            r.readMessage(i.writeMessage());
            i.readMessage(r.writeMessage());
            byte[] m3 = i.writeMessage();
            NoiseException e = assertThrows(NoiseException.class, () -> r.readMessage(m3));
            assertTrue(e.getMessage().contains("identity_sig does not verify"), e.getMessage());
            assertFalse(r.isComplete());
            // as the responder: the initiator rejects message 2
            NoiseHandshake i2 = NoiseHandshake.initiator(bob, null, List.of());
            NoiseHandshake r2 = NoiseHandshake.create(false, alice.publicKey(), forger, null, List.of());
            r2.readMessage(i2.writeMessage());
            byte[] m2 = r2.writeMessage();
            assertThrows(NoiseException.class, () -> i2.readMessage(m2));
        }
    }

    @Test
    void secp256k1IdentityIsRejectedClearly() throws NoiseException {
        byte[] point = new byte[33];
        point[0] = 2;
        point[32] = 1;
        PeerPublicKey k1 = new PeerPublicKey(KeyType.SECP256K1, point);
        NoiseHandshake i = NoiseHandshake.initiator(alice, null, List.of());
        NoiseHandshake r = NoiseHandshake.create(false, k1, msg -> new byte[70], null, List.of());
        r.readMessage(i.writeMessage());
        NoiseException e = assertThrows(NoiseException.class, () -> i.readMessage(r.writeMessage()));
        assertTrue(e.getMessage().contains("SECP256K1") && e.getMessage().contains("secp256k1"), e.getMessage());
    }

    @Test
    void rsaInitiator() throws Exception {
        KeyPair rsa = generate("RSA", 2048);
        PeerPublicKey key = new PeerPublicKey(KeyType.RSA, rsa.getPublic().getEncoded());
        NoiseHandshake i = NoiseHandshake.create(true, key, signer("SHA256withRSA", rsa.getPrivate()), bob.peerId(), MUXERS);
        NoiseHandshake r = NoiseHandshake.responder(bob, MUXERS);
        NoiseResult[] res = run(i, r);
        assertEquals(PeerId.fromPublicKey(key), res[1].remotePeer());
        assertTrue(res[1].remotePeer().toString().startsWith("Qm"), res[1].remotePeer().toString());
        assertEquals(KeyType.RSA, res[1].remoteKey().type());
        assertEquals(bob.peerId(), res[0].remotePeer());
        exchange(res[0], res[1]);
    }

    @Test
    void ecdsaResponderWithExpectedPeer() throws Exception {
        KeyPair ec = generate("EC", 0);
        PeerPublicKey key = new PeerPublicKey(KeyType.ECDSA, ec.getPublic().getEncoded());
        PeerId expected = PeerId.fromPublicKey(key);
        assertTrue(expected.toString().startsWith("Qm"), expected.toString());
        NoiseHandshake i = NoiseHandshake.initiator(alice, expected, List.of());
        NoiseHandshake r = NoiseHandshake.create(false, key, signer("SHA256withECDSA", ec.getPrivate()), null, MUXERS);
        NoiseResult[] res = run(i, r);
        assertEquals(expected, res[0].remotePeer());
        assertEquals(key, res[0].remoteKey());
        assertEquals(MUXERS, res[0].remoteMuxers());
        assertEquals(alice.peerId(), res[1].remotePeer());
        exchange(res[0], res[1]);
    }

    private static KeyPair generate(String algorithm, int bits) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        if (bits > 0) g.initialize(bits);
        else g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static NoiseHandshake.Signer signer(String algorithm, PrivateKey key) {
        return msg -> {
            try {
                Signature s = Signature.getInstance(algorithm);
                s.initSign(key);
                s.update(msg);
                return s.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void malformedMessagesAtEveryStage() throws NoiseException {
        FixedPeers peers = new FixedPeers();
        for (int stage = 0; stage < 3; stage++) {
            byte[] valid = peers.transcript[stage];
            List<byte[]> bad = List.of(new byte[0], Arrays.copyOf(valid, valid.length - 1), Arrays.copyOf(valid, Math.min(valid.length - 1, 31)),
                    Arrays.copyOf(valid, valid.length + 1), new byte[NoiseHandshake.MAX_MESSAGE + 1]);
            for (byte[] m : bad) {
                NoiseHandshake reader = peers.readerAt(stage);
                assertThrows(NoiseException.class, () -> reader.readMessage(m), "stage " + stage + ", " + m.length + " bytes");
                assertThrows(IllegalStateException.class, () -> reader.readMessage(valid), "no second chance after a failure");
            }
            peers.readerAt(stage).readMessage(valid); // the replay itself is sound
        }
    }

    @Test
    void fixedKeysGiveARepeatableTranscript() throws NoiseException {
        FixedPeers peers = new FixedPeers();
        NoiseResult[] res = peers.run(-1, null);
        assertEquals(peers.bob.peerId(), res[0].remotePeer());
        assertEquals(peers.alice.peerId(), res[1].remotePeer());
        assertEquals(FixedPeers.MUXERS, res[0].remoteMuxers());
        NoiseHandshake i = peers.initiator();
        assertArrayEquals(peers.transcript[0], i.writeMessage());
        NoiseHandshake r = peers.readerAt(2);
        r.readMessage(peers.transcript[2]);
        assertArrayEquals(res[1].handshakeHash(), r.result().handshakeHash());
    }

    /** Message 1 carries nothing in libp2p: a payload there is refused. */
    @Test
    void payloadInFirstMessageIsRefused() {
        NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
        byte[] m = new byte[40];
        m[0] = 9;
        NoiseException e = assertThrows(NoiseException.class, () -> r.readMessage(m));
        assertTrue(e.getMessage().contains("payload"), e.getMessage());
    }

    @Test
    void lowOrderEphemeralKeysAreRejected() {
        String[] lowOrder = {"0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"};
        for (String point : lowOrder) {
            NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
            NoiseException e = assertThrows(NoiseException.class, () -> r.readMessage(java.util.HexFormat.of().parseHex(point)));
            assertTrue(e.getMessage().contains("X25519"), e.getMessage());
        }
    }

    @Test
    void outOfTurnCallsThrow() throws NoiseException {
        NoiseHandshake i = NoiseHandshake.initiator(alice, null, List.of());
        NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
        assertThrows(IllegalStateException.class, () -> i.readMessage(new byte[32]));
        assertThrows(IllegalStateException.class, r::writeMessage);
        assertThrows(IllegalStateException.class, i::result);
        byte[] m1 = i.writeMessage();
        assertThrows(IllegalStateException.class, i::writeMessage);
        r.readMessage(m1);
        assertThrows(IllegalStateException.class, () -> r.readMessage(m1));
        i.readMessage(r.writeMessage());
        assertThrows(IllegalStateException.class, r::writeMessage);
        r.readMessage(i.writeMessage());
        for (NoiseHandshake h : List.of(i, r)) {
            assertThrows(IllegalStateException.class, h::writeMessage);
            assertThrows(IllegalStateException.class, () -> h.readMessage(m1));
            assertNotNull(h.result());
        }
    }

    /** A peer whose payload carries fields we do not know, and repeats extensions: skipped and merged. */
    @Test
    void unknownPayloadFieldsAreSkipped() throws NoiseException {
        NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
        XXHandshake raw = XXHandshake.create(true);
        r.readMessage(raw.writeMessage(new byte[0]));
        raw.readMessage(r.writeMessage());
        byte[] sig = alice.sign(signed(raw.localStatic()));
        byte[] payload = new ProtoWriter()
                .varint(9, 12345)
                .bytes(1, alice.publicKey().encode())
                .bytes(3, new byte[] {1, 2, 3}) // the old libp2p_data field
                .bytes(2, sig)
                .bytes(4, new ProtoWriter().bytes(1, new byte[32]).string(2, "/yamux/1.0.0").varint(7, 1).toByteArray())
                .bytes(4, new ProtoWriter().string(2, "/mplex/6.7.0").toByteArray())
                .toByteArray();
        r.readMessage(raw.writeMessage(payload));
        assertEquals(alice.peerId(), r.result().remotePeer());
        assertEquals(MUXERS, r.result().remoteMuxers());
        assertArrayEquals(raw.handshakeHash(), r.result().handshakeHash());
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(hello, r.result().receiver().decrypt(raw.sender().encrypt(hello)));
    }

    @Test
    void incompletePayloadsFail() throws NoiseException {
        List<byte[]> payloads = List.of(new byte[0],
                new ProtoWriter().bytes(1, alice.publicKey().encode()).toByteArray(),
                new ProtoWriter().bytes(2, new byte[64]).toByteArray(),
                new ProtoWriter().bytes(1, new byte[] {8, 9}).bytes(2, new byte[64]).toByteArray(),
                new byte[] {(byte) 0x0a, (byte) 0x80},
                new byte[] {(byte) 0x0b});
        for (byte[] payload : payloads) {
            NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
            XXHandshake raw = XXHandshake.create(true);
            r.readMessage(raw.writeMessage(new byte[0]));
            raw.readMessage(r.writeMessage());
            byte[] m3 = raw.writeMessage(payload);
            assertThrows(NoiseException.class, () -> r.readMessage(m3));
        }
    }

    @Test
    void resultIsStable() throws NoiseException {
        NoiseHandshake i = NoiseHandshake.initiator(alice, null, List.of());
        NoiseResult[] res = run(i, NoiseHandshake.responder(bob, List.of()));
        assertTrue(res[0] == i.result());
        byte[] h = res[0].handshakeHash();
        h[0] ^= 1;
        assertFalse(Arrays.equals(h, res[0].handshakeHash()), "the hash is copied out");
    }

    static byte[] signed(byte[] staticKey) {
        byte[] prefix = "noise-libp2p-static-key:".getBytes(StandardCharsets.UTF_8);
        byte[] m = Arrays.copyOf(prefix, prefix.length + 32);
        System.arraycopy(staticKey, 0, m, prefix.length, 32);
        return m;
    }
}
