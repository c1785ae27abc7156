package lanchat.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** Known-answer tests: the raw XX handshake and X25519 against published vectors. */
class XXVectorTest {
    private static final HexFormat HEX = HexFormat.of();

    // The Noise_XX_25519_ChaChaPoly_SHA256 entry of the cacophony vectors (haskell-cryptography/cacophony
    // vectors/cacophony.txt, also carried as mcginty/snow tests/vectors/cacophony.txt).
    private static final String PROLOGUE = "4a6f686e2047616c74";
    private static final String INIT_STATIC = "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1";
    private static final String INIT_EPHEMERAL = "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a";
    private static final String RESP_STATIC = "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893";
    private static final String RESP_EPHEMERAL = "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b";
    // public halves of the static keys, as the same file lists them (init_remote_static of other patterns)
    private static final String INIT_STATIC_PUBLIC = "6bc3822a2aa7f4e6981d6538692b3cdf3e6df9eea6ed269eb41d93c22757b75a";
    private static final String RESP_STATIC_PUBLIC = "31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62";
    private static final String HANDSHAKE_HASH = "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e";
    /** {payload, ciphertext}: three handshake messages, then transport messages alternating, responder first. */
    private static final String[][] MESSAGES = {
        {"4c756477696720766f6e204d69736573",
         "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"},
        {"4d757272617920526f746862617264",
         "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad"},
        {"462e20412e20486179656b",
         "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030"},
        {"4361726c204d656e676572", "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df"},
        {"4a65616e2d426170746973746520536179", "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5"},
        {"457567656e2042f6686d20766f6e2042617765726b", "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f"},
    };

    @Test
    void cacophonyXX() throws NoiseException {
        XXHandshake initiator = XXHandshake.withKeys(true, HEX.parseHex(PROLOGUE), HEX.parseHex(INIT_STATIC), HEX.parseHex(INIT_EPHEMERAL));
        XXHandshake responder = XXHandshake.withKeys(false, HEX.parseHex(PROLOGUE), HEX.parseHex(RESP_STATIC), HEX.parseHex(RESP_EPHEMERAL));
        assertEquals(INIT_STATIC_PUBLIC, HEX.formatHex(initiator.localStatic()));
        assertEquals(RESP_STATIC_PUBLIC, HEX.formatHex(responder.localStatic()));

        for (int i = 0; i < XXHandshake.MESSAGES; i++) {
            XXHandshake writer = i % 2 == 0 ? initiator : responder, reader = i % 2 == 0 ? responder : initiator;
            byte[] sent = writer.writeMessage(HEX.parseHex(MESSAGES[i][0]));
            assertEquals(MESSAGES[i][1], HEX.formatHex(sent), "handshake message " + (i + 1));
            assertEquals(MESSAGES[i][0], HEX.formatHex(reader.readMessage(sent)), "payload of handshake message " + (i + 1));
        }
        assertTrue(initiator.isComplete() && responder.isComplete());
        assertEquals(HANDSHAKE_HASH, HEX.formatHex(initiator.handshakeHash()));
        assertEquals(HANDSHAKE_HASH, HEX.formatHex(responder.handshakeHash()));
        assertEquals(RESP_STATIC_PUBLIC, HEX.formatHex(initiator.remoteStatic()));
        assertEquals(INIT_STATIC_PUBLIC, HEX.formatHex(responder.remoteStatic()));

        for (int i = XXHandshake.MESSAGES; i < MESSAGES.length; i++) {
            boolean fromInitiator = i % 2 == 0;
            CipherState send = fromInitiator ? initiator.sender() : responder.sender();
            CipherState receive = fromInitiator ? responder.receiver() : initiator.receiver();
            byte[] sent = send.encrypt(HEX.parseHex(MESSAGES[i][0]));
            assertEquals(MESSAGES[i][1], HEX.formatHex(sent), "transport message " + (i + 1));
            assertEquals(MESSAGES[i][0], HEX.formatHex(receive.decrypt(sent)));
        }
    }

    /** RFC 7748 §6.1: pins the byte order of keys and shared secrets. */
    @Test
    void x25519Rfc7748() throws NoiseException {
        X25519 alice = X25519.fromPrivate(HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        X25519 bob = X25519.fromPrivate(HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", HEX.formatHex(alice.publicKey()));
        assertEquals("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", HEX.formatHex(bob.publicKey()));
        String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        assertEquals(shared, HEX.formatHex(alice.dh(bob.publicKey())));
        assertEquals(shared, HEX.formatHex(bob.dh(alice.publicKey())));
        // RFC 7748 §5: the top bit of a received u-coordinate is ignored
        byte[] flagged = bob.publicKey();
        flagged[31] |= (byte) 0x80;
        assertArrayEquals(HEX.parseHex(shared), alice.dh(flagged));
    }
}
