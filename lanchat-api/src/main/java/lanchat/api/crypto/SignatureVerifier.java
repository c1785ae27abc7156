package lanchat.api.crypto;

/**
 * Verifies signatures for a key type the JDK cannot handle (secp256k1, which the JDK dropped). Plugins provide
 * it with {@code provides lanchat.api.crypto.SignatureVerifier with …}; {@link PeerPublicKey#verify} finds it through
 * {@link java.util.ServiceLoader}, so {@code lanchat.api} itself stays free of third-party crypto.
 */
public interface SignatureVerifier {
    KeyType keyType();

    /**
     * @param publicKey the key's data as in the libp2p {@code PublicKey} protobuf
     * @return whether {@code signature} is libp2p's signature for this key type over {@code message}
     * @throws IllegalArgumentException when the key itself is unusable (e.g. not a point on the curve)
     */
    boolean verify(byte[] publicKey, byte[] message, byte[] signature);
}
