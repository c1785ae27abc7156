package lanchat.api.crypto.spi;

/**
 * ECDSA verification on secp256k1, as libp2p signs with secp256k1 identity keys (go-libp2p
 * {@code core/crypto/secp256k1.go}): SHA-256 of the data, then ECDSA over the digest, signature DER-encoded as
 * {@code SEQUENCE { r INTEGER, s INTEGER }}.
 *
 * <p>Both halves of s are valid, as in go-libp2p (which signs with a low s but verifies either); js-libp2p only
 * makes low-s signatures. A malleable signature does not matter where libp2p uses these keys: the signature binds a
 * fresh key (Noise static key, TLS certificate key), it is never an identifier.
 */
public interface Secp256k1Verifier {
    /**
     * @param publicKey    a SEC 1 point: 33-byte compressed (what libp2p sends), or 65-byte uncompressed / hybrid
     *                     (which go-libp2p accepts too)
     * @param data         the signed bytes, not their digest
     * @param derSignature strict DER with r and s in [1, n−1]; anything else fails verification
     * @return whether the signature verifies; false for a malformed signature
     * @throws IllegalArgumentException when {@code publicKey} is not a point of secp256k1
     */
    boolean verify(byte[] publicKey, byte[] data, byte[] derSignature);
}
