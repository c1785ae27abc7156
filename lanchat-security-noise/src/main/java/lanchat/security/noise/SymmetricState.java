package lanchat.security.noise;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise SymmetricState (§5.2) for SHA-256 and ChaCha20-Poly1305: the chaining key ck, the handshake hash h, and the
 * handshake cipher (absent until the first MixKey, during which payloads travel in clear). {@link #split} may key the
 * transport ciphers for another {@link NoiseCipher} (LAN Chat's AESGCM extension).
 */
final class SymmetricState {
    static final int HASH_LENGTH = 32;

    private final MessageDigest sha256;
    private final Mac hmac;
    private byte[] ck;
    private byte[] h;
    private CipherState cipher; // null: no key yet

    SymmetricState(String protocolName) {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
            hmac = Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
        byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
        // A name of at most HASHLEN bytes is zero-padded, a longer one hashed.
        h = name.length <= HASH_LENGTH ? Arrays.copyOf(name, HASH_LENGTH) : sha256.digest(name);
        ck = h.clone();
    }

    void mixHash(byte[] data) {
        sha256.update(h);
        sha256.update(data);
        h = sha256.digest();
    }

    void mixKey(byte[] inputKeyMaterial) {
        byte[][] out = hkdf(inputKeyMaterial);
        wipe(ck);
        ck = out[0];
        // HASHLEN equals the ChaCha20 key length, so temp_k needs no truncation.
        if (cipher == null) cipher = new CipherState(NoiseCipher.CHACHA_POLY, out[1]);
        else cipher.initializeKey(out[1]);
        wipe(out[1]);
    }

    byte[] encryptAndHash(byte[] plaintext) throws NoiseException {
        byte[] c = cipher == null ? plaintext.clone() : cipher.encryptWithAd(h, plaintext);
        mixHash(c);
        return c;
    }

    byte[] decryptAndHash(byte[] ciphertext) throws NoiseException {
        byte[] p = cipher == null ? ciphertext.clone() : cipher.decryptWithAd(h, ciphertext);
        mixHash(ciphertext);
        return p;
    }

    /**
     * Noise Split: the initiator-to-responder and responder-to-initiator ciphers, keyed for {@code transport} (the
     * same two 32-byte keys whichever cipher it is; each is used with that one cipher only). Wipes ck.
     */
    CipherState[] split(NoiseCipher transport) {
        byte[][] out = hkdf(new byte[0]);
        CipherState[] pair = {new CipherState(transport, out[0]), new CipherState(transport, out[1])};
        wipe(out[0], out[1], ck);
        return pair;
    }

    byte[] handshakeHash() {
        return h.clone();
    }

    /** Noise HKDF with two outputs (§4.3): HMAC-SHA256 extract with ck as salt, then expand. */
    private byte[][] hkdf(byte[] inputKeyMaterial) {
        byte[] tempKey = hmac(ck, inputKeyMaterial);
        byte[] out1 = hmac(tempKey, new byte[] {1});
        byte[] in2 = Arrays.copyOf(out1, HASH_LENGTH + 1);
        in2[HASH_LENGTH] = 2;
        byte[] out2 = hmac(tempKey, in2);
        wipe(tempKey, in2);
        return new byte[][] {out1, out2};
    }

    private byte[] hmac(byte[] key, byte[] data) {
        try {
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e); // a 32-byte raw key is always acceptable
        }
        return hmac.doFinal(data);
    }

    static void wipe(byte[]... secrets) {
        for (byte[] s : secrets) if (s != null) Arrays.fill(s, (byte) 0);
    }
}
