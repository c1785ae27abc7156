package lanchat.security.noise;

import java.util.List;
import java.util.Objects;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.spi.PeerIdMismatchException;
import lanchat.api.crypto.PeerPublicKey;

/**
 * The libp2p Noise handshake ({@code /noise}, libp2p noise spec r4): Noise_XX_25519_ChaChaPoly_SHA256 with an empty
 * prologue, whose payloads bind each side's libp2p identity to its Noise static key.
 *
 * <pre>
 *   initiator (dialer)                                        responder (listener)
 *     message 1  ->  | e (32) |                               empty payload
 *     message 2  <-  | e (32) | enc(s) (48) | enc(payload_R) | responder's identity
 *     message 3  ->  | enc(s) (48) | enc(payload_I) |          initiator's identity
 *
 *   payload = NoiseHandshakePayload {
 *     identity_key = PublicKey protobuf of the libp2p identity,
 *     identity_sig = identity signature over "noise-libp2p-static-key:" || s (the 32-byte Noise static key),
 *     extensions   = { stream_muxers,                         omitted when there is nothing to advertise
 *                      lanchat_transport_ciphers = 1000 } }   LAN Chat's extension, see below
 * </pre>
 *
 * <p><b>Transport cipher (LAN Chat's extension).</b> A handshake made with {@link NoiseCipher#AES_GCM} as its
 * transport cipher lists {@code "AESGCM"} in its payload's extensions; when both payloads list it, the two keys of
 * Noise Split() key AES-256-GCM ciphers (Noise's AESGCM nonce layout) instead of ChaChaPoly ones
 * ({@link NoiseResult#transportCipher()}). Otherwise, with a peer built before this or one that offers ChaChaPoly
 * only, everything is standard ChaChaPoly. The handshake itself never changes: its messages are ChaChaPoly under
 * the protocol name above, and parsers skip an extension field they do not know, so older peers accept the payload.
 * The choice cannot be downgraded or forced unseen: each payload travels encrypted and authenticated under the
 * handshake hash, so a changed or stripped advertisement fails that message's decryption, and both ends decide
 * from the same two authenticated payloads. Each Split() key is used with one cipher only. libp2p's {@code /noise}
 * stays plain ChaChaPoly: its transports pass {@link NoiseCipher#CHACHA_POLY}, which advertises nothing.
 *
 * Messages go in and out without the 2-byte big-endian length prefix that frames them on the wire; each is at most
 * {@link #MAX_MESSAGE} bytes. The Noise static key and its signature come from a {@link SignedStaticKey} that a
 * transport makes once; the ephemeral keys are fresh for every handshake. Driving it:
 *
 * <pre>{@code
 * NoiseHandshake hs = NoiseHandshake.initiator(signedStaticKey, expectedPeer, List.of("/yamux/1.0.0"));
 * while (!hs.isComplete()) {
 *     if (hs.isOurTurn()) send(hs.writeMessage()); else hs.readMessage(receive());
 * }
 * NoiseResult r = hs.result();
 * }</pre>
 *
 * Any {@link NoiseException} is final: the handshake then refuses further use with {@link IllegalStateException}.
 * Not thread-safe.
 */
public final class NoiseHandshake {
    /** The multistream-select protocol id under which libp2p negotiates this handshake. */
    public static final String PROTOCOL_ID = "/noise";
    /** Longest handshake or transport message: what a 2-byte length prefix can frame (Noise spec §3). */
    public static final int MAX_MESSAGE = 65535;

    /**
     * Signs with the local libp2p identity key, whatever its type: for identities held outside {@link Identity} (a key
     * of another type, a key in a token), and tests that stand in RSA, ECDSA or secp256k1 identities.
     */
    @FunctionalInterface
    public interface Signer {
        byte[] sign(byte[] message);
    }

    private final XXHandshake xx;
    private final PeerPublicKey localKey;
    private final byte[] localSignature;
    private final PeerId expectedRemote;
    private final List<String> localMuxers;
    private final NoiseCipher transportCipher; // the one we offer; ChaChaPoly offers nothing
    // the peer's authenticated identity, set when its payload verifies
    private PeerPublicKey remoteKey;
    private PeerId remotePeer;
    private List<String> remoteMuxers;
    private List<String> remoteCiphers;
    private NoiseResult result;

    private NoiseHandshake(XXHandshake xx, PeerPublicKey localKey, byte[] localSignature, PeerId expectedRemote, List<String> localMuxers,
                           NoiseCipher transportCipher) {
        this.xx = xx;
        this.localKey = Objects.requireNonNull(localKey);
        this.localSignature = Objects.requireNonNull(localSignature);
        this.expectedRemote = expectedRemote;
        this.localMuxers = List.copyOf(localMuxers);
        this.transportCipher = Objects.requireNonNull(transportCipher, "transportCipher");
    }

    /**
     * The dialer's side.
     *
     * @param expectedRemote the peer being dialled ({@code /p2p/<id>}), or null to accept whoever answers
     * @param localMuxers    stream muxer protocol ids to advertise, in order of preference; empty sends no extensions
     */
    public static NoiseHandshake initiator(SignedStaticKey local, PeerId expectedRemote, List<String> localMuxers) {
        return of(true, local, expectedRemote, localMuxers);
    }

    /** The listener's side; see {@link #initiator} for {@code localMuxers}. */
    public static NoiseHandshake responder(SignedStaticKey local, List<String> localMuxers) {
        return of(false, local, null, localMuxers);
    }

    /**
     * Either side, for code that holds the role as a flag (a connection's direction).
     *
     * @param expectedRemote the peer that must be on the other end, or null for whoever it is (a listener does not
     *                       know who will connect)
     * @param localMuxers    see {@link #initiator}
     */
    public static NoiseHandshake of(boolean initiator, SignedStaticKey local, PeerId expectedRemote, List<String> localMuxers) {
        return of(initiator, local, expectedRemote, localMuxers, NoiseCipher.CHACHA_POLY);
    }

    /**
     * Either side, offering a transport cipher besides ChaChaPoly (LAN Chat's extension, see the class comment): it is
     * used when the peer offers it too, else ChaChaPoly. Not for libp2p's {@code /noise}, which is ChaChaPoly only.
     *
     * @param transportCipher {@link NoiseCipher#AES_GCM} to offer AES-256-GCM; {@link NoiseCipher#CHACHA_POLY}
     *                        offers nothing, as {@link #of(boolean, SignedStaticKey, PeerId, List)} does
     */
    public static NoiseHandshake of(boolean initiator, SignedStaticKey local, PeerId expectedRemote, List<String> localMuxers, NoiseCipher transportCipher) {
        return new NoiseHandshake(XXHandshake.create(initiator, local.key()), local.identityKey(), local.signature(), expectedRemote, localMuxers,
                transportCipher);
    }

    /** A dialer's handshake with a static key of its own (tests, benchmarks); transports share one {@link SignedStaticKey}. */
    public static NoiseHandshake initiator(Identity local, PeerId expectedRemote, List<String> localMuxers) {
        return initiator(SignedStaticKey.generate(local), expectedRemote, localMuxers);
    }

    /** A listener's handshake with a static key of its own (tests, benchmarks). */
    public static NoiseHandshake responder(Identity local, List<String> localMuxers) {
        return responder(SignedStaticKey.generate(local), localMuxers);
    }

    /** A handshake whose identity is {@code localKey} of any type, signing through {@code signer}; a fresh static key. */
    public static NoiseHandshake create(boolean initiator, PeerPublicKey localKey, Signer signer, PeerId expectedRemote, List<String> localMuxers) {
        return of(initiator, SignedStaticKey.sign(X25519.generate(), localKey, signer), expectedRemote, localMuxers);
    }

    /** Test hook: the libp2p layer over a given raw handshake, e.g. one with fixed keys. */
    static NoiseHandshake create(XXHandshake xx, PeerPublicKey localKey, Signer signer, PeerId expectedRemote, List<String> localMuxers) {
        return create(xx, localKey, signer, expectedRemote, localMuxers, NoiseCipher.CHACHA_POLY);
    }

    /** Test hook: as above, offering {@code transportCipher}. */
    static NoiseHandshake create(XXHandshake xx, PeerPublicKey localKey, Signer signer, PeerId expectedRemote, List<String> localMuxers,
                                 NoiseCipher transportCipher) {
        if (xx.step() != 0) throw new IllegalArgumentException("the raw handshake has already started");
        return new NoiseHandshake(xx, localKey, signer.sign(SignedStaticKey.signedData(xx.localStatic())), expectedRemote, localMuxers,
                transportCipher);
    }

    /**
     * The next handshake message to send.
     *
     * @throws IllegalStateException when it is not our turn, the handshake is complete, or it has failed
     */
    public byte[] writeMessage() throws NoiseException {
        xx.checkTurn(true);
        byte[] payload = xx.step() == 0 ? new byte[0] : localPayload();
        byte[] message = xx.writeMessage(payload);
        completeIfDone();
        return message;
    }

    /**
     * Consumes the peer's next handshake message; once the peer's payload arrives, authenticates it.
     *
     * @throws NoiseException        when the message is malformed, fails authentication, or names an unacceptable peer
     * @throws IllegalStateException when it is our turn to write, the handshake is complete, or it has failed
     */
    public void readMessage(byte[] message) throws NoiseException {
        Objects.requireNonNull(message, "message");
        xx.checkTurn(false);
        byte[] payload = xx.readMessage(message);
        try {
            if (xx.step() == 1) {
                // Message 1 is sent before any key exists: anything in it would be unauthenticated, so libp2p sends none.
                if (payload.length != 0) throw new NoiseException("handshake message 1 carries a " + payload.length + "-byte payload; libp2p sends it empty");
            } else {
                authenticate(HandshakePayload.decode(payload));
            }
        } catch (NoiseException e) {
            xx.fail();
            throw e;
        }
        completeIfDone();
    }

    public boolean isInitiator() {
        return xx.isInitiator();
    }

    public boolean isOurTurn() {
        return xx.isOurTurn();
    }

    /** True once a message was rejected (or could not be written): the handshake is over and unusable. */
    public boolean hasFailed() {
        return xx.hasFailed();
    }

    public boolean isComplete() {
        return result != null;
    }

    /**
     * The authenticated outcome; the same instance (and cipher states) on every call.
     *
     * @throws IllegalStateException before the handshake is complete
     */
    public NoiseResult result() {
        if (result == null) throw new IllegalStateException("the handshake is not complete");
        return result;
    }

    private byte[] localPayload() {
        List<String> ciphers = transportCipher == NoiseCipher.CHACHA_POLY ? List.of() : List.of(transportCipher.noiseName());
        return new HandshakePayload(localKey.encode(), localSignature, localMuxers, ciphers).encode();
    }

    private void authenticate(HandshakePayload payload) throws NoiseException {
        PeerPublicKey key;
        boolean valid;
        PeerId peer;
        try {
            key = PeerPublicKey.decode(payload.identityKey());
        } catch (IllegalArgumentException e) {
            throw new NoiseException("remote identity_key is not a libp2p public key: " + e.getMessage(), e);
        }
        try {
            valid = key.verify(SignedStaticKey.signedData(xx.remoteStatic()), payload.identitySig());
            peer = PeerId.fromPublicKey(key);
        } catch (IllegalArgumentException e) {
            throw new NoiseException("remote " + key.type() + " identity key cannot be used: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // The key bytes are the peer's: a JDK provider choking on them is their fault, not ours.
            throw new NoiseException("remote " + key.type() + " identity key is unusable: " + e, e);
        }
        if (!valid) throw new NoiseException("identity_sig does not verify: the remote's Noise static key is not signed by its " + key.type() + " identity key");
        if (expectedRemote != null && !expectedRemote.equals(peer)) {
            PeerIdMismatchException mismatch = new PeerIdMismatchException(expectedRemote, peer);
            throw new NoiseException(mismatch.getMessage(), mismatch);
        }
        remoteKey = key;
        remotePeer = peer;
        remoteMuxers = payload.streamMuxers();
        remoteCiphers = payload.transportCiphers();
    }

    private void completeIfDone() {
        if (xx.isComplete() && result == null) {
            // Both ends decide alike, from the same two authenticated payloads: ours offers transportCipher (or
            // nothing), theirs lists what they offer.
            boolean both = transportCipher != NoiseCipher.CHACHA_POLY && remoteCiphers.contains(transportCipher.noiseName());
            xx.split(both ? transportCipher : NoiseCipher.CHACHA_POLY);
            result = new NoiseResult(remotePeer, remoteKey, remoteMuxers, xx.handshakeHash(), xx.sender(), xx.receiver());
        }
    }

    @Override
    public String toString() {
        return "NoiseHandshake[" + (xx.isInitiator() ? "initiator" : "responder") + ", step " + xx.step()
                + (xx.hasFailed() ? ", failed" : isComplete() ? ", complete with " + remotePeer : "") + "]";
    }
}
