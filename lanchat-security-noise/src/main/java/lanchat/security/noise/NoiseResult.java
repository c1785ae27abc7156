package lanchat.security.noise;

import java.util.List;
import java.util.Objects;

import lanchat.api.PeerId;
import lanchat.api.crypto.PeerPublicKey;

/**
 * What a completed handshake established: the authenticated remote identity, the stream muxers it advertised (in its
 * order of preference; empty when it sent no extensions), the handshake hash (for channel binding), and the two
 * transport ciphers (both of {@link #transportCipher()}). The cipher states are live, stateful objects: each belongs to exactly one direction of the
 * connection.
 */
public record NoiseResult(PeerId remotePeer, PeerPublicKey remoteKey, List<String> remoteMuxers, byte[] handshakeHash,
                          CipherState sender, CipherState receiver) {
    public NoiseResult {
        Objects.requireNonNull(remotePeer);
        Objects.requireNonNull(remoteKey);
        remoteMuxers = List.copyOf(remoteMuxers);
        handshakeHash = handshakeHash.clone();
        Objects.requireNonNull(sender);
        Objects.requireNonNull(receiver);
    }

    @Override
    public byte[] handshakeHash() {
        return handshakeHash.clone();
    }

    /** The cipher of the transport messages: ChaChaPoly, or AESGCM when both ends offered it. */
    public NoiseCipher transportCipher() {
        return sender.cipher();
    }

    @Override
    public String toString() {
        return "NoiseResult[" + remotePeer + ", muxers=" + remoteMuxers + ", " + transportCipher().noiseName() + "]";
    }
}
