package lanchat.crypto.bc;

import static lanchat.crypto.bc.GoVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;

import lanchat.api.PeerId;
import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * secp256k1 verification as go-libp2p does it: against signatures go-libp2p made, against BouncyCastle's signer on
 * random keys and messages (signing like go: ECDSA over SHA-256, DER), and against malformed input. Most checks go
 * through {@link PeerPublicKey#verify}, which finds the verifier on the class path (the unit-test form of
 * {@code LazyCrypto}); the layer form is {@link LazyLayerTest}'s.
 */
class BcSecp256k1VerifierTest {
    private static final BigInteger N = BcSecp256k1Verifier.SECP256K1.getN();
    private static final ECPoint G = BcSecp256k1Verifier.SECP256K1.getG();
    private static final byte[] MESSAGE = "noise-libp2p-static-key:0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final BcSecp256k1Verifier verifier = new BcSecp256k1Verifier();
    private final BigInteger secret = randomScalar(new SecureRandom());
    private final PeerPublicKey key = new PeerPublicKey(KeyType.SECP256K1, G.multiply(secret).getEncoded(true));

    private static BigInteger randomScalar(Random random) {
        return new BigInteger(256, random).mod(N.subtract(BigInteger.ONE)).add(BigInteger.ONE);
    }

    /** {r, s} as go-libp2p makes them, but with whichever s BC's signer produces (either half). */
    private static BigInteger[] signRs(BigInteger d, byte[] msg) throws Exception {
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(d, BcSecp256k1Verifier.SECP256K1));
        return signer.generateSignature(MessageDigest.getInstance("SHA-256").digest(msg));
    }

    private static byte[] sign(BigInteger d, byte[] msg) throws Exception {
        BigInteger[] rs = signRs(d, msg);
        return der(rs[0], rs[1]);
    }

    private static byte[] der(BigInteger r, BigInteger s) throws Exception {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(r));
        v.add(new ASN1Integer(s));
        return new DERSequence(v).getEncoded();
    }

    // ---- what go-libp2p produced ----

    @Test
    void verifiesTheSignatureGoLibp2pMade() {
        PeerPublicKey go = PeerPublicKey.decode(hex(GoVectors.PUBLIC_KEY));
        byte[] message = GoVectors.MESSAGE;
        assertEquals(GoVectors.PEER_ID, PeerId.fromPublicKey(go).toString());
        assertTrue(go.verify(message, hex(GoVectors.SIGNATURE)));
        assertFalse(go.verify("noise-libp2p-static-key:hellO".getBytes(StandardCharsets.UTF_8), hex(GoVectors.SIGNATURE)));
        assertFalse(key.verify(message, hex(GoVectors.SIGNATURE)), "another key");
    }

    @Test
    void acceptsTheHighSFormAsGoLibp2pDoes() {
        // go-libp2p signs with the low s and accepts both; rejecting high s would refuse signatures go takes
        PeerPublicKey go = PeerPublicKey.decode(hex(GoVectors.PUBLIC_KEY));
        byte[] message = GoVectors.MESSAGE;
        byte[] high = hex(GoVectors.HIGH_S_SIGNATURE);
        BigInteger[] low = BcSecp256k1Verifier.decodeSignature(hex(GoVectors.SIGNATURE));
        assertArrayEquals(new BigInteger[] {low[0], N.subtract(low[1])}, BcSecp256k1Verifier.decodeSignature(high), "the vector is (r, n − s)");
        assertTrue(go.verify(message, high));
    }

    // ---- BouncyCastle's signer ----

    @Test
    void agreesWithBouncyCastlesSignerOnManyKeysAndMessages() throws Exception {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 40; i++) {
            BigInteger d = randomScalar(random);
            ECPoint q = G.multiply(d);
            byte[] msg = new byte[random.nextInt(200)];
            random.nextBytes(msg);
            byte[] sig = sign(d, msg);
            PeerPublicKey pub = new PeerPublicKey(KeyType.SECP256K1, q.getEncoded(true));
            assertTrue(pub.verify(msg, sig), "key " + i);
            assertTrue(verifier.verify(q.getEncoded(false), msg, sig), "key " + i + ", uncompressed");
            byte[] other = msg.length == 0 ? new byte[] {1} : msg.clone();
            if (msg.length > 0) other[random.nextInt(other.length)] ^= (byte) (1 + random.nextInt(255));
            assertFalse(pub.verify(other, sig), "key " + i + " tampered message");
            byte[] otherKey = G.multiply(d.add(BigInteger.ONE)).getEncoded(true);
            assertFalse(verifier.verify(otherKey, msg, sig), "key " + i + " wrong key");
        }
    }

    @Test
    void eitherHalfOfSVerifies() throws Exception {
        BigInteger[] rs = signRs(secret, MESSAGE);
        assertTrue(key.verify(MESSAGE, der(rs[0], rs[1])));
        assertTrue(key.verify(MESSAGE, der(rs[0], N.subtract(rs[1]))));
        assertFalse(key.verify(MESSAGE, der(N.subtract(rs[0]), rs[1])), "negating r is not a symmetry");
    }

    // ---- malformed signatures: false, never an exception ----

    @Test
    void wrongAndMalformedSignaturesFail() throws Exception {
        byte[] sig = sign(secret, MESSAGE);
        assertFalse(key.verify("other".getBytes(StandardCharsets.US_ASCII), sig));
        byte[] flipped = sig.clone();
        flipped[flipped.length - 1] ^= 1;
        assertFalse(key.verify(MESSAGE, flipped));
        assertFalse(key.verify(MESSAGE, new byte[0]));
        assertFalse(key.verify(MESSAGE, new byte[] {0x30, 0x03, 0x02, 0x01}));
        assertFalse(key.verify(MESSAGE, new byte[70]));
        assertFalse(key.verify(MESSAGE, new byte[] {0x02, 0x01, 0x01}), "an INTEGER, not a SEQUENCE");
        assertFalse(key.verify(MESSAGE, new byte[] {0x30, 0x06, 0x04, 0x01, 0x01, 0x04, 0x01, 0x01}), "OCTET STRINGs, not INTEGERs");
        assertFalse(key.verify(MESSAGE, new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}), "one INTEGER");
    }

    @Test
    void scalarsOutOfRangeFail() throws Exception {
        BigInteger[] rs = signRs(secret, MESSAGE);
        assertFalse(key.verify(MESSAGE, der(BigInteger.ZERO, rs[1])));
        assertFalse(key.verify(MESSAGE, der(rs[0], BigInteger.ZERO)));
        assertFalse(key.verify(MESSAGE, der(rs[0].add(N), rs[1])), "r + n has the same residue but is out of range");
        assertFalse(key.verify(MESSAGE, der(rs[0], rs[1].add(N))), "s + n likewise");
        assertFalse(key.verify(MESSAGE, der(rs[0], N)));
        assertFalse(key.verify(MESSAGE, der(rs[0].negate(), rs[1])), "a negative INTEGER");
    }

    @Test
    void onlyStrictDerIsAccepted() throws Exception {
        BigInteger[] rs = signRs(secret, MESSAGE);
        byte[] good = der(rs[0], rs[1]);
        assertTrue(key.verify(MESSAGE, good));
        assertFalse(key.verify(MESSAGE, Arrays.copyOf(good, good.length + 1)), "a trailing byte");
        byte[] r = rs[0].toByteArray(), s = rs[1].toByteArray();
        // r with a needless leading zero byte (valid BER, not DER)
        assertFalse(key.verify(MESSAGE, sequence(concat(new byte[] {0x02, (byte) (r.length + 1), 0}, r), integer(s))), "padded r");
        // the sequence length in long form (0x81 len): BER, not DER
        byte[] body = concat(integer(r), integer(s));
        assertFalse(key.verify(MESSAGE, concat(new byte[] {0x30, (byte) 0x81, (byte) body.length}, body)), "long-form length");
        // an indefinite-length sequence with end-of-contents octets
        assertFalse(key.verify(MESSAGE, concat(new byte[] {0x30, (byte) 0x80}, body, new byte[] {0, 0})), "indefinite length");
    }

    @Test
    void signaturesLongerThanDerAllowsFail() throws Exception {
        byte[] good = sign(secret, MESSAGE);
        byte[] padded = Arrays.copyOf(good, BcSecp256k1Verifier.MAX_SIGNATURE + 1);
        assertNull(BcSecp256k1Verifier.decodeSignature(padded));
        assertFalse(key.verify(MESSAGE, new byte[100_000]));
    }

    @Test
    void randomAndMangledInputNeverVerifiesAndNeverThrowsAnythingElse() throws Exception {
        Random random = new Random(11); // fixed seed: a failure repeats
        byte[] good = sign(secret, MESSAGE), pub = key.data();
        for (int i = 0; i < 500; i++) { // each verification is well under a millisecond
            byte[] sig;
            switch (i % 3) {
                case 0 -> {
                    sig = new byte[random.nextInt(80)];
                    random.nextBytes(sig);
                }
                case 1 -> { // DER-looking: sequence header, then noise
                    sig = new byte[8 + random.nextInt(65)];
                    random.nextBytes(sig);
                    sig[0] = 0x30;
                    sig[1] = (byte) (sig.length - 2);
                    sig[2] = 0x02;
                }
                default -> {
                    sig = good.clone();
                    for (int k = 1 + random.nextInt(3); k > 0; k--) sig[random.nextInt(sig.length)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            try {
                assertFalse(verifier.verify(pub, MESSAGE, sig), "input " + i);
            } catch (RuntimeException e) {
                fail("signature " + hex(sig) + " threw", e);
            }
            byte[] k = new byte[33];
            random.nextBytes(k);
            k[0] = (byte) (2 + random.nextInt(2));
            try {
                assertFalse(verifier.verify(k, MESSAGE, good), "random key " + i);
            } catch (IllegalArgumentException notOnCurve) {
                // about half of all x have no point: an unusable key, reported as such
                assertTrue(notOnCurve.getMessage().startsWith("not a secp256k1 public key"), notOnCurve.getMessage());
            }
        }
    }

    // ---- unusable keys: IllegalArgumentException ----

    @Test
    void aPointOffTheCurveIsAnUnusableKey() {
        byte[] bad = new byte[33];
        bad[0] = 2;
        bad[32] = 5; // x = 5: x³ + 7 = 132 has no square root mod p
        PeerPublicKey notOnCurve = new PeerPublicKey(KeyType.SECP256K1, bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> notOnCurve.verify(MESSAGE, new byte[70]));
        assertTrue(e.getMessage().startsWith("not a secp256k1 public key"), e.getMessage());
    }

    @Test
    void coordinatesOutsideTheFieldAndLyingEncodingsAreUnusable() throws Exception {
        BigInteger p = BcSecp256k1Verifier.SECP256K1.getCurve().getField().getCharacteristic();
        byte[] sig = sign(secret, MESSAGE);
        byte[] xTooBig = new byte[33];
        xTooBig[0] = 2;
        System.arraycopy(toBytes32(p.add(BigInteger.ONE)), 0, xTooBig, 1, 32); // ≡ 1 mod p, but not a field element
        assertThrows(IllegalArgumentException.class, () -> verifier.verify(xTooBig, MESSAGE, sig));

        byte[] full = G.multiply(secret).getEncoded(false);
        assertTrue(verifier.verify(full, MESSAGE, sig));
        byte[] offCurve = full.clone();
        offCurve[64] ^= 1; // same x, another y
        assertThrows(IllegalArgumentException.class, () -> verifier.verify(offCurve, MESSAGE, sig));
        byte[] hybrid = full.clone();
        hybrid[0] = (byte) (full[64] % 2 == 0 ? 6 : 7); // hybrid form, parity byte telling the truth: go accepts it
        assertTrue(verifier.verify(hybrid, MESSAGE, sig));
        hybrid[0] ^= 1; // …and lying
        assertThrows(IllegalArgumentException.class, () -> verifier.verify(hybrid, MESSAGE, sig));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00", "02", "04" + "00", "05" + "0000000000000000000000000000000000000000000000000000000000000001"})
    void encodingsOfTheWrongShapeAreUnusable(String encodedHex) throws Exception {
        byte[] sig = sign(secret, MESSAGE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> verifier.verify(hex(encodedHex), MESSAGE, sig));
        assertTrue(e.getMessage().startsWith("not a secp256k1 public key: expected 33 bytes starting 02/03 or 65 bytes starting 04/06/07"), e.getMessage());
    }

    private static byte[] toBytes32(BigInteger v) {
        byte[] b = v.toByteArray();
        return b.length == 32 ? b : Arrays.copyOfRange(b, b.length - 32, b.length);
    }

    private static byte[] integer(byte[] twosComplement) {
        return concat(new byte[] {0x02, (byte) twosComplement.length}, twosComplement);
    }

    private static byte[] sequence(byte[]... parts) {
        byte[] body = concat(parts);
        return concat(new byte[] {0x30, (byte) body.length}, body);
    }

    private static byte[] concat(byte[]... parts) {
        return org.bouncycastle.util.Arrays.concatenate(parts);
    }
}
