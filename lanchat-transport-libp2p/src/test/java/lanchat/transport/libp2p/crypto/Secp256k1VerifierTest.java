package lanchat.transport.libp2p.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

import lanchat.api.PeerId;
import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.junit.jupiter.api.Test;

/**
 * Signs like go-libp2p does (ECDSA over SHA-256, DER) with BouncyCastle (a test-only dependency: an independent
 * implementation to check ours against) and checks the verifier, reached through PeerPublicKey.
 */
class Secp256k1VerifierTest {
    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    private final BigInteger secret = new BigInteger(256, new SecureRandom()).mod(CURVE.getN().subtract(BigInteger.ONE)).add(BigInteger.ONE);
    private final PeerPublicKey key = new PeerPublicKey(KeyType.SECP256K1, CURVE.getG().multiply(secret).getEncoded(true));
    private final byte[] message = "noise-libp2p-static-key:0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] sign(byte[] msg) throws Exception {
        return signWith(secret, msg);
    }

    private static byte[] signWith(BigInteger d, byte[] msg) throws Exception {
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(d, new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH())));
        BigInteger[] rs = signer.generateSignature(MessageDigest.getInstance("SHA-256").digest(msg));
        return der(rs[0], rs[1]);
    }

    private static byte[] der(BigInteger r, BigInteger s) throws Exception {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(r));
        v.add(new ASN1Integer(s));
        return new DERSequence(v).getEncoded();
    }

    @Test
    void acceptsAGoodSignatureThroughTheInstalledPlugin() throws Exception {
        assertTrue(key.verify(message, sign(message)));
        assertTrue(PeerId.fromPublicKey(key).toString().startsWith("16Uiu2"), "secp256k1 ids are inlined");
    }

    @Test
    void rejectsWrongMessagesAndMalformedSignatures() throws Exception {
        byte[] sig = sign(message);
        assertFalse(key.verify("other".getBytes(StandardCharsets.US_ASCII), sig));
        sig[sig.length - 1] ^= 1;
        assertFalse(key.verify(message, sig));
        assertFalse(key.verify(message, new byte[0]));
        assertFalse(key.verify(message, new byte[] {0x30, 0x03, 0x02, 0x01}));
        assertFalse(key.verify(message, new byte[70]));
    }

    @Test
    void agreesWithAnIndependentSignerOnManyKeysAndMessages() throws Exception {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 40; i++) {
            BigInteger d = new BigInteger(256, random).mod(CURVE.getN().subtract(BigInteger.ONE)).add(BigInteger.ONE);
            byte[] pub = CURVE.getG().multiply(d).getEncoded(true);
            byte[] msg = new byte[random.nextInt(200)];
            random.nextBytes(msg);
            byte[] sig = signWith(d, msg);
            Secp256k1Verifier v = new Secp256k1Verifier();
            assertTrue(v.verify(pub, msg, sig), "key " + i);
            byte[] other = msg.clone();
            if (other.length == 0) other = new byte[] {1};
            else other[random.nextInt(other.length)] ^= (byte) (1 + random.nextInt(255));
            assertFalse(v.verify(pub, other, sig), "key " + i + " tampered message");
            byte[] otherKey = CURVE.getG().multiply(d.add(BigInteger.ONE)).getEncoded(true);
            assertFalse(v.verify(otherKey, msg, sig), "key " + i + " wrong key");
        }
    }

    @Test
    void theSignatureOfTheNegatedSIsValidToo() throws Exception {
        // ECDSA accepts (r, n − s) as well; go and js may produce either half, so both must pass
        BigInteger[] rs = Secp256k1Verifier.parseDer(sign(message));
        assertTrue(key.verify(message, der(rs[0], CURVE.getN().subtract(rs[1]))));
    }

    @Test
    void scalarsOutOfRangeAndLaxDerFail() throws Exception {
        BigInteger[] rs = Secp256k1Verifier.parseDer(sign(message));
        BigInteger n = CURVE.getN();
        assertFalse(key.verify(message, der(BigInteger.ZERO, rs[1])));
        assertFalse(key.verify(message, der(rs[0], BigInteger.ZERO)));
        assertFalse(key.verify(message, der(rs[0].add(n), rs[1])), "r + n has the same residue but is out of range");
        assertFalse(key.verify(message, der(rs[0], n)));
        byte[] good = sign(message);
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        assertFalse(key.verify(message, trailing));
        // the same r with a needless leading zero byte (BER, not DER)
        byte[] r = rs[0].toByteArray(), s = rs[1].toByteArray();
        byte[] padded = new byte[2 + 2 + r.length + 1 + 2 + s.length];
        padded[0] = 0x30;
        padded[1] = (byte) (padded.length - 2);
        padded[2] = 0x02;
        padded[3] = (byte) (r.length + 1);
        System.arraycopy(r, 0, padded, 5, r.length);
        padded[5 + r.length] = 0x02;
        padded[6 + r.length] = (byte) s.length;
        System.arraycopy(s, 0, padded, 7 + r.length, s.length);
        if (r[0] >= 0 && !(r.length > 1 && r[0] == 0)) assertFalse(key.verify(message, padded));
    }

    @Test
    void curveArithmeticSanity() {
        Secp256k1Verifier.Jacobian g = Secp256k1Verifier.decompress(CURVE.getG().getEncoded(true));
        assertTrue(Secp256k1Verifier.shamir(CURVE.getN(), g, BigInteger.ZERO, g).isInfinity(), "n·G is the point at infinity");
        Secp256k1Verifier.Jacobian minusG = Secp256k1Verifier.shamir(CURVE.getN().subtract(BigInteger.ONE), g, BigInteger.ZERO, g);
        BigInteger zInv = minusG.z().modInverse(Secp256k1Verifier.P);
        assertEquals(g.x(), minusG.x().multiply(zInv.pow(2)).mod(Secp256k1Verifier.P), "(n−1)·G = −G: same x");
        assertEquals(Secp256k1Verifier.P.subtract(g.y()), minusG.y().multiply(zInv.pow(3)).mod(Secp256k1Verifier.P), "(n−1)·G = −G: negated y");
        assertTrue(Secp256k1Verifier.shamir(CURVE.getN().subtract(BigInteger.ONE), g, BigInteger.ONE, g).isInfinity(), "(n−1)·G + G");
        byte[] odd = CURVE.getG().multiply(BigInteger.valueOf(12345)).getEncoded(true);
        Secp256k1Verifier.Jacobian k = Secp256k1Verifier.decompress(odd);
        assertTrue(new BigInteger(1, java.util.Arrays.copyOfRange(odd, 1, 33)).equals(k.x()));
        assertTrue(k.y().testBit(0) == (odd[0] == 3));
    }

    @Test
    void randomAndMangledInputNeverVerifiesAndNeverThrowsAnythingElse() throws Exception {
        java.util.Random random = new java.util.Random(11); // fixed seed: a failure repeats
        Secp256k1Verifier v = new Secp256k1Verifier();
        byte[] good = sign(message), pub = key.data();
        for (int i = 0; i < 500; i++) { // each verification is a millisecond or two of BigInteger work
            byte[] sig = i % 2 == 0 ? new byte[random.nextInt(80)] : good.clone();
            if (i % 2 == 0) random.nextBytes(sig);
            else for (int k = 1 + random.nextInt(3); k > 0; k--) sig[random.nextInt(sig.length)] ^= (byte) (1 + random.nextInt(255));
            assertFalse(v.verify(pub, message, sig), "input " + i);
            byte[] k = new byte[33];
            random.nextBytes(k);
            k[0] = (byte) (2 + random.nextInt(2));
            try {
                assertFalse(v.verify(k, message, good), "random key " + i);
            } catch (IllegalArgumentException notOnCurve) {
                // about half of all x have no point: an unusable key, reported as such
            }
        }
    }

    @Test
    void aPointOffTheCurveIsAnUnusableKey() {
        byte[] bad = new byte[33];
        bad[0] = 2;
        bad[32] = 5; // x = 5 has no point on secp256k1
        PeerPublicKey notOnCurve = new PeerPublicKey(KeyType.SECP256K1, bad);
        assertThrows(IllegalArgumentException.class, () -> notOnCurve.verify(message, new byte[70]));
    }
}
