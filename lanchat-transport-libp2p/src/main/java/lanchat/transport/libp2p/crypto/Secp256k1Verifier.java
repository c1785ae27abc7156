package lanchat.transport.libp2p.crypto;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.SignatureVerifier;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * secp256k1 signatures as libp2p makes them (go-libp2p, js-libp2p): ECDSA over SHA-256 of the message, DER-encoded
 * {@code SEQUENCE { r INTEGER, s INTEGER }}, with a 33-byte compressed public key. The curve math is BouncyCastle's;
 * the JDK removed secp256k1.
 */
public final class Secp256k1Verifier implements SignatureVerifier {
    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    private static final ECDomainParameters DOMAIN = new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());

    @Override
    public KeyType keyType() {
        return KeyType.SECP256K1;
    }

    @Override
    public boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        ECPoint q;
        try {
            q = CURVE.getCurve().decodePoint(publicKey); // rejects points that are not on the curve
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a secp256k1 public key: " + e.getMessage(), e);
        }
        BigInteger r, s;
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(signature);
            if (seq.size() != 2) return false;
            r = ASN1Integer.getInstance(seq.getObjectAt(0)).getPositiveValue();
            s = ASN1Integer.getInstance(seq.getObjectAt(1)).getPositiveValue();
        } catch (RuntimeException malformed) {
            return false;
        }
        ECDSASigner signer = new ECDSASigner();
        signer.init(false, new ECPublicKeyParameters(q, DOMAIN));
        return signer.verifySignature(sha256(message), r, s);
    }

    private static byte[] sha256(byte[] message) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(message);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
