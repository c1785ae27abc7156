package lanchat.security.noise;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction of a Noise session: a 32-byte key for one {@link NoiseCipher} and its implicit message counter (Noise
 * spec §5.1, §12.3). The handshake's cipher is always ChaChaPoly; a transport-phase state is ChaChaPoly, or AESGCM
 * when both ends of a LAN Chat netty connection offered it ({@link #cipher()}). A key is used with its one cipher
 * only.
 *
 * <pre>
 *   transport message (at most 65535 bytes):
 *   +---------------------------------------------------------+------------+
 *   | ciphertext (as long as the plaintext, at most 65519)    | tag (16)   |
 *   +---------------------------------------------------------+------------+
 *
 *   AEAD nonce (12 bytes), ChaChaPoly:  | 00 00 00 00 | n, 8 bytes little-endian |
 *                          AESGCM:      | 00 00 00 00 | n, 8 bytes big-endian    |
 * </pre>
 *
 * <p>The counter n starts at 0 and advances with every successful encrypt or decrypt, so messages must be decrypted
 * in the order they were encrypted. A failed decryption leaves n where it was; the caller is nevertheless expected to
 * drop the connection. Not thread-safe: one instance per direction, used by one thread at a time.
 */
public final class CipherState {
    /** Bytes the tag (Poly1305 or GCM) adds to every message. */
    public static final int TAG_LENGTH = 16;
    /** Most plaintext one transport message carries: 65535 - 16 = 65519 bytes. */
    public static final int MAX_PLAINTEXT = NoiseHandshake.MAX_MESSAGE - TAG_LENGTH;
    static final int KEY_LENGTH = 32;
    /** n = 2^64-1 is reserved by the spec (§5.1): reaching it means the session is used up. */
    private static final long EXHAUSTED = -1L;

    // One Cipher per direction, re-initialised per message (cheap for ChaCha20: no key schedule to speak of; the JDK's
    // AES keeps its expanded key while the key bytes stay the same).
    private final NoiseCipher algorithm;
    private final Cipher cipher;
    private final byte[] nonceBytes = new byte[12];
    private SecretKeySpec key;
    private long nonce; // unsigned

    CipherState(NoiseCipher algorithm, byte[] key) {
        this.algorithm = algorithm;
        try {
            cipher = Cipher.getInstance(algorithm.transformation());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm.transformation() + " unavailable", e);
        }
        initializeKey(key);
    }

    /** Noise InitializeKey: a new key with the counter back at 0. */
    void initializeKey(byte[] k) {
        if (k.length != KEY_LENGTH) throw new IllegalArgumentException(algorithm.noiseName() + " key must be 32 bytes");
        key = new SecretKeySpec(k, algorithm.keyAlgorithm()); // copies k
        nonce = 0;
    }

    /** The cipher function this state's key is for. */
    public NoiseCipher cipher() {
        return algorithm;
    }

    /** @return ciphertext followed by the 16-byte tag */
    public byte[] encrypt(byte[] plaintext) throws NoiseException {
        return encryptWithAd(null, plaintext);
    }

    /** @throws NoiseException when the message is too short or too long, or fails authentication */
    public byte[] decrypt(byte[] ciphertext) throws NoiseException {
        return decryptWithAd(null, ciphertext);
    }

    /**
     * Encrypts {@code in}'s remaining bytes into {@code out} at its position; both positions advance.
     * {@code in} and {@code out} must be distinct buffer objects; they may share a backing array only in place
     * (same start offset), never otherwise overlapping.
     *
     * @return bytes written: plaintext length + 16
     * @throws IllegalArgumentException when {@code out} has less than plaintext length + 16 bytes left (nothing is
     *                                  consumed)
     */
    public int encrypt(ByteBuffer in, ByteBuffer out) throws NoiseException {
        return encrypt(new ByteBuffer[] {in}, out);
    }

    /**
     * Encrypts the remaining bytes of {@code in}, in order, as one message into {@code out}: a gathering
     * {@link #encrypt(ByteBuffer, ByteBuffer)}, for plaintext that lies in pieces (Netty's composite buffers), so it
     * need not be copied into one buffer first. Same aliasing rules, for each part.
     */
    public int encrypt(ByteBuffer[] in, ByteBuffer out) throws NoiseException {
        if (in.length == 0) in = new ByteBuffer[] {ByteBuffer.allocate(0)};
        long len = 0;
        for (ByteBuffer b : in) len += b.remaining();
        checkPlaintext((int) Math.min(len, Integer.MAX_VALUE));
        if (out.remaining() < len + TAG_LENGTH) {
            throw new IllegalArgumentException("output buffer has " + out.remaining() + " bytes left, needs " + (len + TAG_LENGTH));
        }
        int[] inPos = new int[in.length];
        for (int i = 0; i < in.length; i++) inPos[i] = in[i].position();
        int outPos = out.position();
        try {
            start(Cipher.ENCRYPT_MODE, null);
            int n = 0;
            for (int i = 0; i < in.length - 1; i++) n += cipher.update(in[i], out);
            n += cipher.doFinal(in[in.length - 1], out);
            nonce++;
            return n;
        } catch (GeneralSecurityException e) {
            for (int i = 0; i < in.length; i++) in[i].position(inPos[i]);
            out.position(outPos);
            throw new NoiseException(algorithm.noiseName() + " encryption failed: " + e.getMessage(), e);
        }
    }

    /**
     * Decrypts {@code in}'s remaining bytes (ciphertext + tag) into {@code out} at its position; both positions
     * advance. On failure both positions are left unchanged, though bytes after {@code out}'s position may have been
     * overwritten. Same aliasing rules as {@link #encrypt(ByteBuffer, ByteBuffer)}.
     *
     * @return plaintext bytes written: ciphertext length - 16
     * @throws IllegalArgumentException when {@code out} has too little room (nothing is consumed)
     */
    public int decrypt(ByteBuffer in, ByteBuffer out) throws NoiseException {
        int len = in.remaining();
        checkCiphertext(len);
        if (out.remaining() < len - TAG_LENGTH) {
            throw new IllegalArgumentException("output buffer has " + out.remaining() + " bytes left, needs " + (len - TAG_LENGTH));
        }
        int inPos = in.position(), outPos = out.position();
        try {
            start(Cipher.DECRYPT_MODE, null);
            int n = cipher.doFinal(in, out);
            nonce++;
            return n;
        } catch (GeneralSecurityException e) {
            in.position(inPos);
            out.position(outPos);
            throw decryptionFailed(e);
        }
    }

    /** Noise EncryptWithAd; {@code ad} null means none. */
    byte[] encryptWithAd(byte[] ad, byte[] plaintext) throws NoiseException {
        checkPlaintext(plaintext.length);
        try {
            start(Cipher.ENCRYPT_MODE, ad);
            byte[] out = cipher.doFinal(plaintext);
            nonce++;
            return out;
        } catch (GeneralSecurityException e) {
            throw new NoiseException(algorithm.noiseName() + " encryption failed: " + e.getMessage(), e);
        }
    }

    /** Noise DecryptWithAd; {@code ad} null means none. */
    byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws NoiseException {
        checkCiphertext(ciphertext.length);
        try {
            start(Cipher.DECRYPT_MODE, ad);
            byte[] out = cipher.doFinal(ciphertext);
            nonce++;
            return out;
        } catch (GeneralSecurityException e) {
            throw decryptionFailed(e);
        }
    }

    private void start(int mode, byte[] ad) throws NoiseException, GeneralSecurityException {
        if (nonce == EXHAUSTED) throw new NoiseException("nonce exhausted (2^64-1 messages): the session must be re-established");
        algorithm.layNonce(nonce, nonceBytes);
        cipher.init(mode, key, algorithm.parameters(nonceBytes));
        if (ad != null) cipher.updateAAD(ad);
    }

    private static void checkPlaintext(int len) throws NoiseException {
        if (len > MAX_PLAINTEXT) throw new NoiseException("plaintext of " + len + " bytes exceeds the Noise limit of " + MAX_PLAINTEXT);
    }

    private static void checkCiphertext(int len) throws NoiseException {
        if (len < TAG_LENGTH) throw new NoiseException("truncated Noise message: " + len + " bytes, shorter than its 16-byte tag");
        if (len > NoiseHandshake.MAX_MESSAGE) throw new NoiseException("Noise message of " + len + " bytes exceeds " + NoiseHandshake.MAX_MESSAGE);
    }

    private NoiseException decryptionFailed(GeneralSecurityException e) {
        // n stays put, but the JDK refuses to re-initialise ChaCha20 with the key and nonce it last saw, even to
        // decrypt. Park the cipher on a nonce Noise never uses (non-zero prefix) so the same n can be tried again.
        Arrays.fill(nonceBytes, 0, 4, (byte) 0xFF);
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, algorithm.parameters(nonceBytes));
        } catch (GeneralSecurityException ignored) {
            // the next start() reports any real problem
        } finally {
            Arrays.fill(nonceBytes, 0, 4, (byte) 0);
        }
        if (e instanceof AEADBadTagException) return new NoiseException("Noise message failed authentication (bad MAC)", e);
        return new NoiseException(algorithm.noiseName() + " decryption failed: " + e.getMessage(), e);
    }

    /** Test hook: the next nonce (unsigned). */
    long nonce() {
        return nonce;
    }

    /** Test hook: jump the counter, e.g. to just before exhaustion. */
    void setNonce(long n) {
        nonce = n;
    }

    @Override
    public String toString() {
        return "CipherState[" + algorithm.noiseName() + ", n=" + Long.toUnsignedString(nonce) + "]";
    }
}
