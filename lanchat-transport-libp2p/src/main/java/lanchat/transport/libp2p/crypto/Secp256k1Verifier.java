package lanchat.transport.libp2p.crypto;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.SignatureVerifier;

/**
 * secp256k1 signatures as libp2p makes them (go-libp2p, js-libp2p): ECDSA over SHA-256 of the message, DER-encoded
 * {@code SEQUENCE { r INTEGER, s INTEGER }}, with a 33-byte compressed public key (peer-ids spec).
 *
 * <p>The JDK dropped secp256k1, so the curve arithmetic is here: SEC 2 §2.4.1 domain parameters, SEC 1 §2.3.4 point
 * decompression and §4.1.4 verification, in Jacobian coordinates. Verification handles public values only (key,
 * message, signature), so plain {@link BigInteger} arithmetic, which is not constant-time, leaks nothing. Doing it
 * here rather than with BouncyCastle keeps a JCA provider out of the module graph: the JDK instantiates every
 * {@code java.security.Provider} on the module path at its first elliptic-curve lookup (~0.2 s of every start).
 */
public final class Secp256k1Verifier implements SignatureVerifier {
    static final BigInteger P = hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
    static final BigInteger N = hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    private static final BigInteger B = BigInteger.valueOf(7); // y² = x³ + 7
    private static final BigInteger SQRT_EXPONENT = P.add(BigInteger.ONE).shiftRight(2); // p ≡ 3 (mod 4)
    private static final Jacobian G = new Jacobian(
            hex("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"),
            hex("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8"),
            BigInteger.ONE);

    @Override
    public KeyType keyType() {
        return KeyType.SECP256K1;
    }

    @Override
    public boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        Jacobian q = decompress(publicKey);
        BigInteger[] rs = parseDer(signature);
        if (rs == null) return false;
        BigInteger r = rs[0], s = rs[1];
        if (!inScalarRange(r) || !inScalarRange(s)) return false;
        BigInteger e = new BigInteger(1, sha256(message)); // 256 bits, as long as n: no truncation (SEC 1 §4.1.3 step 5)
        BigInteger w = s.modInverse(N);
        Jacobian x = shamir(e.multiply(w).mod(N), G, r.multiply(w).mod(N), q);
        if (x.isInfinity()) return false;
        BigInteger zInv = x.z.modInverse(P);
        BigInteger affineX = x.x.multiply(zInv.multiply(zInv)).mod(P);
        return affineX.mod(N).equals(r);
    }

    /** SEC 1 §2.3.4 for the compressed form, the only one the peer-ids spec allows. */
    static Jacobian decompress(byte[] key) {
        if (key.length != 33 || (key[0] != 2 && key[0] != 3)) {
            throw new IllegalArgumentException("not a compressed secp256k1 public key (33 bytes starting 02 or 03)");
        }
        BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(key, 1, 33));
        if (x.compareTo(P) >= 0) throw new IllegalArgumentException("not a secp256k1 public key: x is not a field element");
        BigInteger alpha = x.pow(3).add(B).mod(P);
        BigInteger y = alpha.modPow(SQRT_EXPONENT, P);
        if (!y.multiply(y).mod(P).equals(alpha)) throw new IllegalArgumentException("not a secp256k1 public key: not a point on the curve");
        if (y.testBit(0) != (key[0] == 3)) y = P.subtract(y);
        return new Jacobian(x, y, BigInteger.ONE);
    }

    /**
     * Strict DER {@code SEQUENCE { INTEGER r, INTEGER s }} (what go and js write); anything else, including BER
     * leniencies, trailing bytes, negative or non-minimal integers, is a failed verification.
     *
     * @return {r, s}, or null when malformed
     */
    static BigInteger[] parseDer(byte[] sig) {
        if (sig.length < 8 || sig.length > 72 || sig[0] != 0x30 || sig[1] != sig.length - 2) return null;
        BigInteger[] out = new BigInteger[2];
        int pos = 2;
        for (int i = 0; i < 2; i++) {
            if (pos + 2 > sig.length || sig[pos] != 0x02) return null;
            int len = sig[pos + 1];
            pos += 2;
            if (len < 1 || len > 33 || pos + len > sig.length) return null;
            if (sig[pos] < 0) return null; // negative
            if (len > 1 && sig[pos] == 0 && sig[pos + 1] >= 0) return null; // a needless leading zero
            out[i] = new BigInteger(1, java.util.Arrays.copyOfRange(sig, pos, pos + len));
            pos += len;
        }
        return pos == sig.length ? out : null;
    }

    private static boolean inScalarRange(BigInteger v) {
        return v.signum() > 0 && v.compareTo(N) < 0;
    }

    /** u1·a + u2·b with one shared doubling chain (Shamir's trick). */
    static Jacobian shamir(BigInteger u1, Jacobian a, BigInteger u2, Jacobian b) {
        Jacobian ab = a.add(b);
        Jacobian acc = Jacobian.INFINITY;
        for (int i = Math.max(u1.bitLength(), u2.bitLength()) - 1; i >= 0; i--) {
            acc = acc.twice();
            boolean x = u1.testBit(i), y = u2.testBit(i);
            if (x && y) acc = acc.add(ab);
            else if (x) acc = acc.add(a);
            else if (y) acc = acc.add(b);
        }
        return acc;
    }

    /** A point (X/Z², Y/Z³); Z = 0 is the point at infinity. Formulas for a = 0 curves (EFD dbl-2009-l, add-2007-bl). */
    record Jacobian(BigInteger x, BigInteger y, BigInteger z) {
        static final Jacobian INFINITY = new Jacobian(BigInteger.ONE, BigInteger.ONE, BigInteger.ZERO);

        boolean isInfinity() {
            return z.signum() == 0;
        }

        Jacobian twice() {
            if (isInfinity() || y.signum() == 0) return INFINITY;
            BigInteger a = x.multiply(x).mod(P);
            BigInteger b = y.multiply(y).mod(P);
            BigInteger c = b.multiply(b).mod(P);
            BigInteger xb = x.add(b);
            BigInteger d = xb.multiply(xb).subtract(a).subtract(c).shiftLeft(1).mod(P);
            BigInteger e = a.multiply(BigInteger.valueOf(3)).mod(P);
            BigInteger f = e.multiply(e).mod(P);
            BigInteger x3 = f.subtract(d.shiftLeft(1)).mod(P);
            BigInteger y3 = e.multiply(d.subtract(x3)).subtract(c.shiftLeft(3)).mod(P);
            BigInteger z3 = y.multiply(z).shiftLeft(1).mod(P);
            return new Jacobian(x3, y3, z3);
        }

        Jacobian add(Jacobian o) {
            if (isInfinity()) return o;
            if (o.isInfinity()) return this;
            BigInteger z1z1 = z.multiply(z).mod(P), z2z2 = o.z.multiply(o.z).mod(P);
            BigInteger u1 = x.multiply(z2z2).mod(P), u2 = o.x.multiply(z1z1).mod(P);
            BigInteger s1 = y.multiply(o.z).multiply(z2z2).mod(P), s2 = o.y.multiply(z).multiply(z1z1).mod(P);
            if (u1.equals(u2)) return s1.equals(s2) ? twice() : INFINITY; // same point, or a point and its negation
            BigInteger h = u2.subtract(u1).mod(P);
            BigInteger h2 = h.shiftLeft(1);
            BigInteger i = h2.multiply(h2).mod(P);
            BigInteger j = h.multiply(i).mod(P);
            BigInteger r = s2.subtract(s1).shiftLeft(1).mod(P);
            BigInteger v = u1.multiply(i).mod(P);
            BigInteger x3 = r.multiply(r).subtract(j).subtract(v.shiftLeft(1)).mod(P);
            BigInteger y3 = r.multiply(v.subtract(x3)).subtract(s1.multiply(j).shiftLeft(1)).mod(P);
            BigInteger zs = z.add(o.z);
            BigInteger z3 = zs.multiply(zs).subtract(z1z1).subtract(z2z2).multiply(h).mod(P);
            return new Jacobian(x3, y3, z3);
        }
    }

    private static byte[] sha256(byte[] message) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(message);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger hex(String h) {
        return new BigInteger(h, 16);
    }
}
