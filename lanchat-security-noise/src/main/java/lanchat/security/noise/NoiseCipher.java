package lanchat.security.noise;

import java.security.spec.AlgorithmParameterSpec;

import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * The Noise cipher functions (Noise spec §12.2, §12.3) a {@link CipherState} can run, both on the JDK's providers.
 * They differ only in the algorithm and in how the 64-bit counter n is laid into the 96-bit AEAD nonce; keys are
 * 32 bytes and tags 16 for both.
 *
 * <pre>
 *   ChaChaPoly:  | 00 00 00 00 | n, 8 bytes little-endian |     ChaCha20-Poly1305 (RFC 8439)
 *   AESGCM:      | 00 00 00 00 | n, 8 bytes big-endian    |     AES-256-GCM, 128-bit tag
 * </pre>
 *
 * The handshake itself is always ChaChaPoly ({@code Noise_XX_25519_ChaChaPoly_SHA256}, libp2p's {@code /noise}).
 * {@link #AES_GCM} is LAN Chat's extension for the transport phase only, chosen in the handshake payload when both
 * ends offer it (see {@link NoiseHandshake#of(boolean, SignedStaticKey, lanchat.api.PeerId, java.util.List, NoiseCipher)}):
 * JDK 17 runs AES-GCM on the processor's AES and carry-less multiply instructions, more than ten times as fast as its
 * pure-Java ChaCha20-Poly1305.
 */
public enum NoiseCipher {
    /** ChaCha20-Poly1305: the cipher of the handshake, and of every transport message libp2p's {@code /noise} sends. */
    CHACHA_POLY("ChaChaPoly", "ChaCha20-Poly1305", "ChaCha20"),
    /** AES-256-GCM: a LAN Chat netty-transport extension for transport messages, used only when both ends offer it. */
    AES_GCM("AESGCM", "AES/GCM/NoPadding", "AES");

    private final String noiseName;
    private final String transformation;
    private final String keyAlgorithm;

    NoiseCipher(String noiseName, String transformation, String keyAlgorithm) {
        this.noiseName = noiseName;
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
    }

    /** The cipher's name in Noise protocol names ({@code ChaChaPoly}, {@code AESGCM}); also its name on the wire. */
    public String noiseName() {
        return noiseName;
    }

    /** The JCA transformation. */
    String transformation() {
        return transformation;
    }

    /** The JCA key algorithm of its 32-byte keys. */
    String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** Writes counter n into bytes 4..11 of the 12-byte nonce (bytes 0..3 are left as they are: zero in use). */
    void layNonce(long n, byte[] nonce) {
        if (this == CHACHA_POLY) {
            for (int i = 4; i < 12; i++, n >>>= 8) nonce[i] = (byte) n;
        } else {
            for (int i = 11; i >= 4; i--, n >>>= 8) nonce[i] = (byte) n;
        }
    }

    /** The JCA parameters for one message under {@code nonce}: a 128-bit tag for GCM. */
    AlgorithmParameterSpec parameters(byte[] nonce) {
        return this == CHACHA_POLY ? new IvParameterSpec(nonce) : new GCMParameterSpec(CipherState.TAG_LENGTH * 8, nonce);
    }

    /** The cipher a Noise cipher name stands for, or null for a name this build does not know. */
    static NoiseCipher byNoiseName(String name) {
        for (NoiseCipher c : values()) if (c.noiseName.equals(name)) return c;
        return null;
    }
}
