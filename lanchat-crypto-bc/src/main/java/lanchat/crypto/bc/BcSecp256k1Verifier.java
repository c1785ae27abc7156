package lanchat.crypto.bc;

import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import lanchat.api.crypto.spi.Secp256k1Verifier;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;

/**
 * secp256k1 signatures as go-libp2p verifies them ({@code core/crypto/secp256k1.go}): SHA-256 of the data, strict DER
 * {@code SEQUENCE { r, s }} with r and s in [1, n−1], either half of s, and the point in any SEC 1 encoding. The
 * curve arithmetic is BouncyCastle's ({@link ECDSASigner} over its secp256k1 parameters); nothing here touches BC's
 * JCA provider.
 */
public final class BcSecp256k1Verifier implements Secp256k1Verifier {
    /** Two 33-byte INTEGERs and their headers: the longest DER signature of a 256-bit curve (go's limit too). */
    static final int MAX_SIGNATURE = 72;
    /** The SEC 2 curve with BouncyCastle's custom field arithmetic (and its GLV endomorphism). */
    static final ECDomainParameters SECP256K1 = new ECDomainParameters(CustomNamedCurves.getByName("secp256k1"));

    @Override
    public boolean verify(byte[] publicKey, byte[] data, byte[] derSignature) {
        ECPublicKeyParameters key = publicKey(publicKey);
        BigInteger[] rs = decodeSignature(derSignature);
        if (rs == null) return false;
        ECDSASigner ecdsa = new ECDSASigner();
        ecdsa.init(false, key);
        return ecdsa.verifySignature(sha256(data), rs[0], rs[1]); // false unless r and s are in [1, n−1]
    }

    /** A point of the curve, not at infinity; accepts what go's {@code secp256k1.ParsePubKey} accepts. */
    static ECPublicKeyParameters publicKey(byte[] encoded) {
        boolean compressed = encoded.length == 33 && (encoded[0] == 2 || encoded[0] == 3);
        boolean full = encoded.length == 65 && (encoded[0] == 4 || encoded[0] == 6 || encoded[0] == 7);
        if (!compressed && !full) {
            throw new IllegalArgumentException("not a secp256k1 public key: expected 33 bytes starting 02/03 or 65 bytes starting 04/06/07, got "
                    + encoded.length + " bytes" + (encoded.length > 0 ? String.format(" starting %02x", encoded[0]) : ""));
        }
        try {
            // decodePoint rejects x or y ≥ p, points off the curve and hybrid encodings whose parity byte lies;
            // ECPublicKeyParameters rejects the point at infinity
            return new ECPublicKeyParameters(SECP256K1.getCurve().decodePoint(encoded), SECP256K1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a secp256k1 public key: " + e.getMessage(), e);
        }
    }

    /**
     * {r, s} of a strict DER signature (BC re-encodes and compares, so BER leniencies, trailing bytes and negative or
     * padded integers fail), or null when malformed or a scalar is ≥ n.
     */
    static BigInteger[] decodeSignature(byte[] der) {
        if (der.length > MAX_SIGNATURE) return null; // bounds the parser's work before it sees the bytes
        try {
            return StandardDSAEncoding.INSTANCE.decode(SECP256K1.getN(), der);
        } catch (IOException | RuntimeException malformed) {
            // BC's ASN.1 reader reports malformed input with IllegalArgumentException, IllegalStateException
            // (ASN1ParsingException) or IOException, depending on where the bytes stop making sense
            return null;
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
