package lanchat.security.noise;

import static lanchat.api.internal.Bytes.concat;

import java.util.Arrays;

/**
 * The raw Noise XX handshake (Noise spec §7.5, HandshakeState §5.3) for {@value #PROTOCOL_NAME}: no libp2p
 * semantics, payloads are opaque bytes. {@link NoiseHandshake} layers the libp2p payload on top; test vectors drive
 * this class directly.
 *
 * <pre>
 *   XX:  -> e
 *        <- e, ee, s, es
 *        -> s, se
 *
 *   message 1, initiator -> responder:  | e (32) | payload (clear) |
 *   message 2, responder -> initiator:  | e (32) | enc(s) (32+16) | enc(payload) (n+16) |
 *   message 3, initiator -> responder:  | enc(s) (32+16) | enc(payload) (n+16) |
 * </pre>
 *
 * Every token mixes into the handshake hash h, which is the associated data of each encryption, so any change to an
 * earlier byte makes the next decryption fail. Any failure is final: the instance refuses further use.
 */
final class XXHandshake {
    static final String PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";
    static final int MESSAGES = 3;
    private static final int DH_LENGTH = X25519.KEY_LENGTH;
    private static final int ENCRYPTED_KEY = DH_LENGTH + CipherState.TAG_LENGTH;
    /** Shortest valid message of each step (an empty payload still has a tag once keyed). */
    private static final int[] MIN_LENGTH = {DH_LENGTH, DH_LENGTH + ENCRYPTED_KEY + CipherState.TAG_LENGTH, ENCRYPTED_KEY + CipherState.TAG_LENGTH};

    private final boolean initiator;
    private final SymmetricState ss;
    private final X25519 s;
    private final X25519 e;
    private byte[] re;
    private byte[] rs;
    private byte[] earlyEe; // responder: DH(e, re), computed on reading message 1 so a bad point fails there
    private int step; // messages processed so far
    private boolean failed;
    private byte[] handshakeHash;
    private CipherState sender;
    private CipherState receiver;

    private XXHandshake(boolean initiator, byte[] prologue, X25519 s, X25519 e) {
        this.initiator = initiator;
        this.s = s;
        this.e = e;
        ss = new SymmetricState(PROTOCOL_NAME);
        ss.mixHash(prologue);
    }

    /** A handshake with fresh static and ephemeral keys and an empty prologue. */
    static XXHandshake create(boolean initiator) {
        return create(initiator, X25519.generate());
    }

    /** A handshake with the given static key, a fresh ephemeral key and an empty prologue, as libp2p uses it. */
    static XXHandshake create(boolean initiator, X25519 staticKey) {
        return new XXHandshake(initiator, new byte[0], staticKey, X25519.generate());
    }

    /** Test-vector hook: fixed X25519 private keys and prologue. */
    static XXHandshake withKeys(boolean initiator, byte[] prologue, byte[] staticPrivate, byte[] ephemeralPrivate) {
        return withKeys(initiator, prologue, X25519.fromPrivate(staticPrivate), X25519.fromPrivate(ephemeralPrivate));
    }

    /** Test hook: fixed key pairs, reusable across handshakes to make transcripts repeatable (never in production). */
    static XXHandshake withKeys(boolean initiator, byte[] prologue, X25519 staticKey, X25519 ephemeralKey) {
        return new XXHandshake(initiator, prologue.clone(), staticKey, ephemeralKey);
    }

    boolean isInitiator() {
        return initiator;
    }

    /** Messages processed so far: 0..3. */
    int step() {
        return step;
    }

    boolean isOurTurn() {
        return !failed && step < MESSAGES && (step % 2 == 0) == initiator;
    }

    boolean isComplete() {
        return step == MESSAGES;
    }

    boolean hasFailed() {
        return failed;
    }

    /** Marks the handshake failed, e.g. when the layer above rejects a payload. */
    void fail() {
        failed = true;
    }

    /** Our static public key, which the libp2p payload signs. */
    byte[] localStatic() {
        return s.publicKey();
    }

    /** The peer's static public key once received (message 2 for the initiator, 3 for the responder), else null. */
    byte[] remoteStatic() {
        return rs == null ? null : rs.clone();
    }

    /** Builds our next message around {@code payload}. */
    byte[] writeMessage(byte[] payload) throws NoiseException {
        checkTurn(true);
        try {
            int length = switch (step) {
                case 0 -> DH_LENGTH + payload.length;
                case 1 -> DH_LENGTH + ENCRYPTED_KEY + payload.length + CipherState.TAG_LENGTH;
                default -> ENCRYPTED_KEY + payload.length + CipherState.TAG_LENGTH;
            };
            if (length > NoiseHandshake.MAX_MESSAGE) {
                throw new NoiseException("handshake message " + (step + 1) + " would be " + length + " bytes, over the limit of " + NoiseHandshake.MAX_MESSAGE);
            }
            byte[] message = switch (step) {
                case 0 -> writeFirst(payload);
                case 1 -> writeSecond(payload);
                default -> writeThird(payload);
            };
            advance();
            return message;
        } catch (NoiseException | RuntimeException ex) {
            failed = true;
            throw ex;
        }
    }

    /** Consumes the peer's next message; returns its payload. */
    byte[] readMessage(byte[] message) throws NoiseException {
        checkTurn(false);
        try {
            if (message.length > NoiseHandshake.MAX_MESSAGE) {
                throw new NoiseException("handshake message " + (step + 1) + " of " + message.length + " bytes exceeds " + NoiseHandshake.MAX_MESSAGE);
            }
            if (message.length < MIN_LENGTH[step]) {
                throw new NoiseException("truncated handshake message " + (step + 1) + ": " + message.length + " bytes, need at least " + MIN_LENGTH[step]);
            }
            byte[] payload = switch (step) {
                case 0 -> readFirst(message);
                case 1 -> readSecond(message);
                default -> readThird(message);
            };
            advance();
            return payload;
        } catch (NoiseException | RuntimeException ex) {
            failed = true;
            throw ex;
        }
    }

    // -> e
    private byte[] writeFirst(byte[] payload) throws NoiseException {
        byte[] ePub = e.publicKey();
        ss.mixHash(ePub);
        return concat(ePub, ss.encryptAndHash(payload));
    }

    private byte[] readFirst(byte[] message) throws NoiseException {
        re = Arrays.copyOf(message, DH_LENGTH);
        ss.mixHash(re);
        earlyEe = e.dh(re);
        return ss.decryptAndHash(Arrays.copyOfRange(message, DH_LENGTH, message.length));
    }

    // <- e, ee, s, es
    private byte[] writeSecond(byte[] payload) throws NoiseException {
        byte[] ePub = e.publicKey();
        ss.mixHash(ePub);
        mixDh(earlyEe);
        earlyEe = null;
        byte[] encryptedS = ss.encryptAndHash(s.publicKey());
        mixDh(s.dh(re));
        return concat(ePub, encryptedS, ss.encryptAndHash(payload));
    }

    private byte[] readSecond(byte[] message) throws NoiseException {
        re = Arrays.copyOf(message, DH_LENGTH);
        ss.mixHash(re);
        mixDh(e.dh(re));
        rs = ss.decryptAndHash(Arrays.copyOfRange(message, DH_LENGTH, DH_LENGTH + ENCRYPTED_KEY));
        mixDh(e.dh(rs));
        return ss.decryptAndHash(Arrays.copyOfRange(message, DH_LENGTH + ENCRYPTED_KEY, message.length));
    }

    // -> s, se
    private byte[] writeThird(byte[] payload) throws NoiseException {
        byte[] encryptedS = ss.encryptAndHash(s.publicKey());
        mixDh(s.dh(re));
        return concat(encryptedS, ss.encryptAndHash(payload));
    }

    private byte[] readThird(byte[] message) throws NoiseException {
        rs = ss.decryptAndHash(Arrays.copyOf(message, ENCRYPTED_KEY));
        mixDh(e.dh(rs));
        return ss.decryptAndHash(Arrays.copyOfRange(message, ENCRYPTED_KEY, message.length));
    }

    private void mixDh(byte[] sharedSecret) {
        ss.mixKey(sharedSecret);
        SymmetricState.wipe(sharedSecret);
    }

    private void advance() {
        if (++step < MESSAGES) return;
        handshakeHash = ss.handshakeHash();
    }

    /**
     * Noise Split, once the handshake is complete, for the transport cipher the layer above chose from the payloads
     * (which a responder has only read once the last message is processed, so the split waits for it). Once only;
     * {@link #sender()} and {@link #receiver()} split for ChaChaPoly if nobody did.
     */
    void split(NoiseCipher transport) {
        requireComplete();
        if (sender != null) throw new IllegalStateException("the handshake's keys are already split");
        CipherState[] pair = ss.split(transport); // [0] carries initiator -> responder
        sender = initiator ? pair[0] : pair[1];
        receiver = initiator ? pair[1] : pair[0];
    }

    void checkTurn(boolean writing) {
        if (failed) throw new IllegalStateException("the handshake has failed and cannot be used");
        if (isComplete()) throw new IllegalStateException("the handshake is complete");
        if (isOurTurn() != writing) {
            throw new IllegalStateException(writing ? "not our turn: expecting the peer's handshake message " + (step + 1)
                    : "our turn: handshake message " + (step + 1) + " is ours to write");
        }
    }

    byte[] handshakeHash() {
        requireComplete();
        return handshakeHash.clone();
    }

    CipherState sender() {
        requireComplete();
        if (sender == null) split(NoiseCipher.CHACHA_POLY);
        return sender;
    }

    CipherState receiver() {
        requireComplete();
        if (receiver == null) split(NoiseCipher.CHACHA_POLY);
        return receiver;
    }

    private void requireComplete() {
        if (!isComplete()) throw new IllegalStateException("the handshake is not complete");
    }
}
