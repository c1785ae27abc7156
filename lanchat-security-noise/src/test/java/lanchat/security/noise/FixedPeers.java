package lanchat.security.noise;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import lanchat.api.Identity;

/**
 * Two libp2p peers with fixed Noise keys and memoised identity signatures: every handshake between them yields the
 * same transcript, so a test can rebuild "a handshake about to read message k" for the price of its DH operations
 * (X25519 key generation and Ed25519 signing dominate a fresh handshake's cost).
 */
final class FixedPeers {
    static final List<String> MUXERS = List.of("/yamux/1.0.0", "/mplex/6.7.0");

    final Identity alice = Identity.fromSeed(filled(1));
    final Identity bob = Identity.fromSeed(filled(2));
    private final X25519 aliceStatic = X25519.fromPrivate(filled(3));
    private final X25519 aliceEphemeral = X25519.fromPrivate(filled(4));
    private final X25519 bobStatic = X25519.fromPrivate(filled(5));
    private final X25519 bobEphemeral = X25519.fromPrivate(filled(6));
    private final Map<String, byte[]> signatures = new HashMap<>();
    /** The three messages of alice dialling bob. */
    final byte[][] transcript = new byte[3][];

    FixedPeers() throws NoiseException {
        NoiseHandshake i = initiator(), r = responder();
        r.readMessage(transcript[0] = i.writeMessage());
        i.readMessage(transcript[1] = r.writeMessage());
        r.readMessage(transcript[2] = i.writeMessage());
    }

    /** Alice dialling bob, expecting his peer id. */
    NoiseHandshake initiator() {
        return NoiseHandshake.create(XXHandshake.withKeys(true, new byte[0], aliceStatic, aliceEphemeral), alice.publicKey(), memo(alice), bob.peerId(), MUXERS);
    }

    NoiseHandshake responder() {
        return NoiseHandshake.create(XXHandshake.withKeys(false, new byte[0], bobStatic, bobEphemeral), bob.publicKey(), memo(bob), null, MUXERS);
    }

    /** A fresh handshake whose next step is reading {@code transcript[stage]}. */
    NoiseHandshake readerAt(int stage) throws NoiseException {
        switch (stage) {
            case 0 -> {
                return responder();
            }
            case 1 -> {
                NoiseHandshake i = initiator();
                i.writeMessage();
                return i;
            }
            case 2 -> {
                NoiseHandshake r = responder();
                r.readMessage(transcript[0]);
                r.writeMessage();
                return r;
            }
            default -> throw new IllegalArgumentException("stage " + stage);
        }
    }

    /** A full handshake with message {@code index} (0..2) passed through {@code tamper}. */
    NoiseResult[] run(int index, UnaryOperator<byte[]> tamper) throws NoiseException {
        return NoiseHandshakeTest.run(initiator(), responder(), index, tamper);
    }

    private NoiseHandshake.Signer memo(Identity id) {
        // Ed25519 signatures are deterministic, so a cached one is exactly what signing again would produce.
        return msg -> signatures.computeIfAbsent(id.peerId() + HexFormat.of().formatHex(msg), k -> id.sign(msg)).clone();
    }

    private static byte[] filled(int value) {
        byte[] b = new byte[32];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (value * 31 + i);
        return b;
    }
}
