package lanchat.transport.libp2p.crypto;

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

/** Signs like go-libp2p does (ECDSA over SHA-256, DER) and checks the verifier, reached through PeerPublicKey. */
class Secp256k1VerifierTest {
    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    private final BigInteger secret = new BigInteger(256, new SecureRandom()).mod(CURVE.getN().subtract(BigInteger.ONE)).add(BigInteger.ONE);
    private final PeerPublicKey key = new PeerPublicKey(KeyType.SECP256K1, CURVE.getG().multiply(secret).getEncoded(true));
    private final byte[] message = "noise-libp2p-static-key:0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] sign(byte[] msg) throws Exception {
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(secret, new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH())));
        BigInteger[] rs = signer.generateSignature(MessageDigest.getInstance("SHA-256").digest(msg));
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(rs[0]));
        v.add(new ASN1Integer(rs[1]));
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
    void aPointOffTheCurveIsAnUnusableKey() {
        byte[] bad = new byte[33];
        bad[0] = 2;
        bad[32] = 5; // x = 5 has no point on secp256k1
        PeerPublicKey notOnCurve = new PeerPublicKey(KeyType.SECP256K1, bad);
        assertThrows(IllegalArgumentException.class, () -> notOnCurve.verify(message, new byte[70]));
    }
}
