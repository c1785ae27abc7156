package lanchat.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import lanchat.api.Identity;
import lanchat.api.internal.ProtoReader;
import lanchat.api.internal.ProtoWriter;

/**
 * LAN Chat's transport-cipher extension: AES-256-GCM for transport messages when both payloads offer it, ChaChaPoly
 * with a peer that does not (an older LAN Chat node, libp2p), and no way to change the choice on the wire.
 */
class TransportCipherTest {
    private final SignedStaticKey alice = SignedStaticKey.generate(Identity.generate());
    private final SignedStaticKey bob = SignedStaticKey.generate(Identity.generate());

    private NoiseResult[] run(NoiseCipher dialer, NoiseCipher listener) throws NoiseException {
        return NoiseHandshakeTest.run(NoiseHandshake.of(true, alice, null, List.of(), dialer), NoiseHandshake.of(false, bob, null, List.of(), listener));
    }

    @Test
    void bothOfferingAesGcmUseIt() throws NoiseException {
        NoiseResult[] res = run(NoiseCipher.AES_GCM, NoiseCipher.AES_GCM);
        for (NoiseResult r : res) {
            assertEquals(NoiseCipher.AES_GCM, r.transportCipher());
            assertEquals(NoiseCipher.AES_GCM, r.receiver().cipher());
        }
        NoiseHandshakeTest.exchange(res[0], res[1]);
    }

    /** A legacy end (one that offers nothing: exactly the bytes of a build before the extension) gets ChaChaPoly, either role. */
    @Test
    void aLegacyPeerOnEitherSideGetsChaChaPoly() throws NoiseException {
        for (NoiseResult[] res : List.of(run(NoiseCipher.AES_GCM, NoiseCipher.CHACHA_POLY), run(NoiseCipher.CHACHA_POLY, NoiseCipher.AES_GCM),
                run(NoiseCipher.CHACHA_POLY, NoiseCipher.CHACHA_POLY))) {
            assertEquals(NoiseCipher.CHACHA_POLY, res[0].transportCipher());
            assertEquals(NoiseCipher.CHACHA_POLY, res[1].transportCipher());
            NoiseHandshakeTest.exchange(res[0], res[1]);
        }
    }

    /**
     * What an AES-capable end sends is accepted by the payload parser of builds before the extension: it reads
     * identity_key, identity_sig and extensions.stream_muxers and skips every other field (as on main before this
     * change, copied here), so the advertisement changes nothing for it.
     */
    @Test
    void theAdvertisementIsSkippedByTheLegacyParser() throws NoiseException {
        NoiseHandshake capable = NoiseHandshake.of(false, bob, null, List.of("/yamux/1.0.0"), NoiseCipher.AES_GCM);
        XXHandshake raw = XXHandshake.create(true);
        capable.readMessage(raw.writeMessage(new byte[0]));
        byte[] payload = raw.readMessage(capable.writeMessage());

        byte[] key = null, sig = null;
        List<String> muxers = new ArrayList<>();
        ProtoReader r = new ProtoReader(payload);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> key = r.bytes();
                case 2 -> sig = r.bytes();
                case 4 -> {
                    ProtoReader e = new ProtoReader(r.bytes());
                    while (e.next()) {
                        if (e.field() == 2) muxers.add(e.string());
                        else e.skip();
                    }
                }
                default -> r.skip();
            }
        }
        assertArrayEquals(bob.identityKey().encode(), key);
        assertNotNull(sig);
        assertEquals(List.of("/yamux/1.0.0"), muxers);
        HandshakePayload decoded = HandshakePayload.decode(payload);
        assertEquals(List.of("AESGCM"), decoded.transportCiphers(), "and it is there for a new parser");
    }

    @Test
    void unknownCipherNamesAreIgnored() throws NoiseException {
        NoiseHandshake r = NoiseHandshake.of(false, bob, null, List.of(), NoiseCipher.AES_GCM);
        XXHandshake raw = XXHandshake.create(true);
        r.readMessage(raw.writeMessage(new byte[0]));
        raw.readMessage(r.writeMessage());
        Identity id = Identity.generate();
        byte[] payload = new ProtoWriter().bytes(1, id.publicKey().encode()).bytes(2, id.sign(NoiseHandshakeTest.signed(raw.localStatic())))
                .bytes(4, new ProtoWriter().string(HandshakePayload.TRANSPORT_CIPHERS_FIELD, "AESGCM-SIV").string(HandshakePayload.TRANSPORT_CIPHERS_FIELD, "aesgcm").toByteArray())
                .toByteArray();
        r.readMessage(raw.writeMessage(payload));
        assertEquals(NoiseCipher.CHACHA_POLY, r.result().transportCipher());
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(hello, r.result().receiver().decrypt(raw.sender().encrypt(hello)));
    }

    /**
     * A man in the middle who changes the advertisement, in the responder's message 2 or the initiator's message 3,
     * to downgrade to ChaChaPoly (or to force AESGCM on one end only) breaks that message's authentication: the
     * handshake fails instead of settling on a cipher that one end did not offer. The advertisement is the last
     * bytes of the payload, so with a stream cipher its ciphertext lies right before the 16-byte tag.
     */
    @Test
    void tamperingWithTheAdvertisementFailsTheHandshake() throws NoiseException {
        for (int message : new int[] {1, 2}) {
            for (int back = 1; back <= "AESGCM".length(); back++) {
                int offset = back;
                NoiseHandshake i = NoiseHandshake.of(true, alice, null, List.of(), NoiseCipher.AES_GCM);
                NoiseHandshake r = NoiseHandshake.of(false, bob, null, List.of(), NoiseCipher.AES_GCM);
                NoiseException e = assertThrows(NoiseException.class, () -> NoiseHandshakeTest.run(i, r, message, m -> {
                    byte[] changed = m.clone();
                    changed[changed.length - CipherState.TAG_LENGTH - offset] ^= 0x20; // "AESGCM" -> "AESGCm" and so on
                    return changed;
                }));
                assertTrue(e.getMessage().contains("bad MAC"), e.getMessage());
                NoiseHandshake reader = message == 1 ? i : r;
                assertTrue(reader.hasFailed());
                assertFalse(reader.isComplete());
            }
            // cutting the advertisement off (the last field of the payload) fails the same way
            NoiseHandshake i = NoiseHandshake.of(true, alice, null, List.of(), NoiseCipher.AES_GCM);
            NoiseHandshake r = NoiseHandshake.of(false, bob, null, List.of(), NoiseCipher.AES_GCM);
            int cut = 2 + 2 + 1 + "AESGCM".length(); // extensions tag and length, field 1000's 2-byte tag and length, name
            assertThrows(NoiseException.class, () -> NoiseHandshakeTest.run(i, r, message, m -> {
                byte[] shorter = java.util.Arrays.copyOf(m, m.length - cut);
                System.arraycopy(m, m.length - CipherState.TAG_LENGTH, shorter, shorter.length - CipherState.TAG_LENGTH, CipherState.TAG_LENGTH);
                return shorter;
            }));
        }
    }

    /** libp2p's /noise and the four-argument factory advertise nothing: their payloads are what they were. */
    @Test
    void chaChaPolyOffersNothing() throws NoiseException {
        NoiseHandshake plain = NoiseHandshake.of(false, bob, null, List.of());
        NoiseHandshake explicit = NoiseHandshake.of(false, bob, null, List.of(), NoiseCipher.CHACHA_POLY);
        for (NoiseHandshake h : List.of(plain, explicit)) {
            XXHandshake raw = XXHandshake.create(true);
            h.readMessage(raw.writeMessage(new byte[0]));
            HandshakePayload p = HandshakePayload.decode(raw.readMessage(h.writeMessage()));
            assertEquals(List.of(), p.transportCiphers());
            assertArrayEquals(new HandshakePayload(p.identityKey(), p.identitySig(), List.of(), List.of()).encode(),
                    new ProtoWriter().bytes(1, p.identityKey()).bytes(2, p.identitySig()).toByteArray(), "no extensions field at all");
        }
    }
}
