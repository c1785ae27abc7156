package lanchat.security.noise;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An X25519 key pair for Noise (DH functions §12.1) on the JDK's XDH provider.
 *
 * <p>Noise exchanges raw 32-byte little-endian u-coordinates (RFC 7748 §5). The JDK speaks X.509
 * SubjectPublicKeyInfo, whose key bits are exactly those 32 bytes after a fixed 12-byte prefix, so conversion is a
 * prefix swap with no byte-order pitfalls.
 */
final class X25519 {
    static final int KEY_LENGTH = 32;
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b656e032100");
    private static final byte[] BASE_POINT = basePoint();

    private final PrivateKey privateKey;
    private final byte[] publicKey;

    private X25519(PrivateKey privateKey, byte[] publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    static X25519 generate() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance("X25519").generateKeyPair();
            return new X25519(kp.getPrivate(), raw(kp.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 unavailable", e);
        }
    }

    /** A key pair from a fixed 32-byte private scalar (test vectors). */
    static X25519 fromPrivate(byte[] scalar) {
        if (scalar.length != KEY_LENGTH) throw new IllegalArgumentException("X25519 private key must be 32 bytes");
        try {
            PrivateKey k = KeyFactory.getInstance("X25519").generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar.clone()));
            X25519 partial = new X25519(k, null);
            // The JDK has no "public key of this private key" call: the public key is DH with the base point u = 9.
            return new X25519(k, partial.dh(BASE_POINT));
        } catch (GeneralSecurityException | NoiseException e) {
            throw new IllegalStateException("X25519 unavailable", e);
        }
    }

    /** The raw 32-byte public key. */
    byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * Noise DH: the 32-byte shared secret with {@code remote}, a raw public key.
     *
     * @throws NoiseException when {@code remote} is a low-order point (the shared secret would be all zeros)
     */
    byte[] dh(byte[] remote) throws NoiseException {
        if (remote.length != KEY_LENGTH) throw new NoiseException("X25519 public key must be 32 bytes, got " + remote.length);
        byte[] secret;
        try {
            javax.crypto.KeyAgreement ka = javax.crypto.KeyAgreement.getInstance("X25519");
            ka.init(privateKey);
            ka.doPhase(toJava(remote), true);
            secret = ka.generateSecret();
        } catch (GeneralSecurityException e) {
            // The JDK reports an all-zero result as InvalidKeyException("Point has small order").
            throw new NoiseException("invalid X25519 public key from peer: " + e.getMessage(), e);
        }
        int acc = 0;
        for (byte b : secret) acc |= b;
        if (acc == 0) throw new NoiseException("invalid X25519 public key from peer: all-zero shared secret");
        return secret;
    }

    private static PublicKey toJava(byte[] raw) throws GeneralSecurityException {
        byte[] x509 = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_LENGTH);
        System.arraycopy(raw, 0, x509, X509_PREFIX.length, KEY_LENGTH);
        x509[x509.length - 1] &= 0x7F; // RFC 7748 §5: ignore the top bit of the u-coordinate
        return KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(x509));
    }

    private static byte[] raw(PublicKey key) {
        byte[] x509 = key.getEncoded();
        if (x509.length != X509_PREFIX.length + KEY_LENGTH || !Arrays.equals(x509, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalStateException("unexpected X25519 public key encoding");
        }
        return Arrays.copyOfRange(x509, X509_PREFIX.length, x509.length);
    }

    private static byte[] basePoint() {
        byte[] u = new byte[KEY_LENGTH];
        u[0] = 9;
        return u;
    }
}
