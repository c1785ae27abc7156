package lanchat.api.crypto;

import static lanchat.api.internal.Bytes.concat;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

import lanchat.api.crypto.spi.Secp256k1Verifier;
import lanchat.api.internal.KeyMessage;

/**
 * A peer's public key as libp2p exchanges it: {@code message PublicKey { KeyType Type = 1; bytes Data = 2; }}.
 *
 * <p>Data is the raw 32-byte key for Ed25519, a DER SubjectPublicKeyInfo for RSA and ECDSA, and a
 * 33-byte compressed point for secp256k1. Signatures are verified with the JDK's providers; secp256k1, which the
 * JDK no longer ships, with the {@link Secp256k1Verifier} that {@link LazyCrypto} loads when the first such key
 * shows up.
 */
public record PeerPublicKey(KeyType type, byte[] data) {
    /** RSA keys outside these sizes are rejected (the peer-ids spec sets 2048 as the minimum; the max bounds work). */
    public static final int MIN_RSA_BITS = 2048, MAX_RSA_BITS = 8192;
    /**
     * The largest RSA public exponent accepted, 2^31 - 1, as go's {@code crypto/rsa} (so go-libp2p) rejects larger
     * ones. The JDK takes exponents as long as the modulus for keys up to 3072 bits, and a bogus signature checked with
     * such a key costs tens of times what one with 65537 costs (issue 13 measured 12 ms against 0.4 ms): a peer could
     * keep an event-loop thread busy with them.
     */
    public static final BigInteger MAX_RSA_EXPONENT = BigInteger.valueOf(Integer.MAX_VALUE);

    private static final byte[] ED25519_X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    public PeerPublicKey {
        if (type == null || data == null) throw new IllegalArgumentException("key type and data are required");
        data = data.clone();
        if (type == KeyType.ED25519 && data.length != 32) throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + data.length);
        if (type == KeyType.SECP256K1 && data.length != 33) throw new IllegalArgumentException("secp256k1 public key must be 33 bytes, got " + data.length);
    }

    @Override
    public byte[] data() { return data.clone(); }

    /** Decodes the protobuf form; unknown fields are skipped. */
    public static PeerPublicKey decode(byte[] protobuf) {
        KeyMessage key = KeyMessage.decode(protobuf, "public key protobuf");
        return new PeerPublicKey(key.type(), key.data());
    }

    /** The deterministic protobuf form (fields in order, as the spec requires for peer-id derivation). */
    public byte[] encode() {
        return new KeyMessage(type, data).encode();
    }

    public static PeerPublicKey ed25519(byte[] raw32) {
        return new PeerPublicKey(KeyType.ED25519, raw32);
    }

    /**
     * Verifies {@code signature} over {@code message} with the algorithm libp2p uses for this key type:
     * Ed25519; RSASSA-PKCS1-v1_5 with SHA-256; ECDSA with SHA-256 (DER signature); secp256k1 ECDSA with SHA-256
     * (DER signature).
     *
     * @return false for a wrong signature; throws {@link IllegalArgumentException} for a key that cannot be used
     * @throws IllegalStateException for a secp256k1 key when the lazily loaded crypto is not installed
     */
    public boolean verify(byte[] message, byte[] signature) {
        if (type == KeyType.SECP256K1) return verifySecp256k1(message, signature);
        try {
            Signature s = switch (type) {
                case ED25519 -> Signature.getInstance("Ed25519");
                case RSA -> Signature.getInstance("SHA256withRSA");
                case ECDSA -> Signature.getInstance("SHA256withECDSA");
                case SECP256K1 -> throw new IllegalStateException("handled above");
            };
            s.initVerify(toJavaKey());
            s.update(message);
            return s.verify(signature);
        } catch (java.security.SignatureException e) {
            return false; // malformed signature encoding: a failed verification, not a broken key
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("unusable " + type + " public key: " + e.getMessage(), e);
        }
    }

    private boolean verifySecp256k1(byte[] message, byte[] signature) {
        return LazyCrypto.capability(Secp256k1Verifier.class, "secp256k1 keys").verify(data, message, signature);
    }

    /** The JDK key, validating RSA key sizes and exponents ({@link #MIN_RSA_BITS}, {@link #MAX_RSA_EXPONENT}). */
    public PublicKey toJavaKey() throws GeneralSecurityException {
        return switch (type) {
            case ED25519 -> KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_X509_PREFIX, data)));
            case RSA -> {
                RSAPublicKey k = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(data));
                int bits = k.getModulus().bitLength();
                if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) throw new GeneralSecurityException("RSA key of " + bits + " bits (allowed " + MIN_RSA_BITS + "-" + MAX_RSA_BITS + ")");
                BigInteger e = k.getPublicExponent();
                if (e.compareTo(BigInteger.valueOf(3)) < 0 || e.compareTo(MAX_RSA_EXPONENT) > 0 || !e.testBit(0)) {
                    String shown = e.bitLength() <= 64 ? e.toString() : "of " + e.bitLength() + " bits";
                    throw new GeneralSecurityException("RSA public exponent " + shown + " (allowed: odd, 3 to 2^31-1)");
                }
                yield k;
            }
            case ECDSA -> KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(data));
            case SECP256K1 -> throw new GeneralSecurityException("the JDK has no secp256k1; use verify()");
        };
    }

    /** The raw 32 bytes of a JDK Ed25519 public key (its X.509 form minus the fixed prefix). */
    public static byte[] rawEd25519(PublicKey key) {
        byte[] x509 = key.getEncoded();
        if (x509.length != 44 || !Arrays.equals(x509, 0, 12, ED25519_X509_PREFIX, 0, 12)) throw new IllegalArgumentException("not an Ed25519 key");
        return Arrays.copyOfRange(x509, 12, 44);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerPublicKey k && k.type == type && Arrays.equals(k.data, data);
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "PeerPublicKey[" + type + ", " + data.length + " bytes]";
    }
}
