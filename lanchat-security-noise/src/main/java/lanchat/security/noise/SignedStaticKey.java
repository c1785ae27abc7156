package lanchat.security.noise;

import static lanchat.api.internal.Bytes.concat;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

import lanchat.api.Identity;
import lanchat.api.crypto.PeerPublicKey;

/**
 * A Noise static key pair with the libp2p identity's signature over it ({@code "noise-libp2p-static-key:" || s}),
 * made once and used for many handshakes.
 *
 * <p>The noise-libp2p spec lets a node keep a static key for as long as its Noise module lives ("may generate new
 * static Noise keys when initializing the noise-libp2p module"). Every handshake still makes fresh ephemeral keys, so
 * forward secrecy is unchanged, while an X25519 key generation and an identity signature (together about 0.7 ms
 * with JDK 17's Ed25519) leave the per-connection path. Immutable; safe to share between connections.
 */
public final class SignedStaticKey {
    private static final byte[] SIGNATURE_PREFIX = "noise-libp2p-static-key:".getBytes(StandardCharsets.UTF_8);

    private final X25519 key;
    private final PeerPublicKey identityKey;
    private final byte[] signature;

    private SignedStaticKey(X25519 key, PeerPublicKey identityKey, byte[] signature) {
        this.key = key;
        this.identityKey = identityKey;
        this.signature = signature;
    }

    /** A fresh static key signed by {@code identity}: make one per transport, not one per connection. */
    public static SignedStaticKey generate(Identity identity) {
        return sign(X25519.generate(), identity.publicKey(), identity::sign);
    }

    /**
     * The key for a transport: made on first use (the first handshake) rather than at start-up, where its X25519 and
     * signature code would be loaded and run cold before the node can say it is listening; the same key after that.
     */
    public static Supplier<SignedStaticKey> lazy(Identity identity) {
        return new Supplier<>() {
            private volatile SignedStaticKey key;

            @Override
            public SignedStaticKey get() {
                SignedStaticKey k = key;
                if (k != null) return k;
                synchronized (this) {
                    if (key == null) key = generate(identity);
                    return key;
                }
            }
        };
    }

    /** Test hook: any key, signed by any identity key type (or by a forger). */
    static SignedStaticKey sign(X25519 key, PeerPublicKey identityKey, NoiseHandshake.Signer signer) {
        return new SignedStaticKey(key, identityKey, signer.sign(signedData(key.publicKey())));
    }

    X25519 key() {
        return key;
    }

    PeerPublicKey identityKey() {
        return identityKey;
    }

    byte[] signature() {
        return signature.clone();
    }

    /** What the identity key signs for a Noise static key. */
    static byte[] signedData(byte[] noiseStaticKey) {
        return concat(SIGNATURE_PREFIX, noiseStaticKey);
    }

    @Override
    public String toString() {
        return "SignedStaticKey[" + identityKey.type() + " identity]";
    }
}
