package lanchat.security.noise;

import java.util.ArrayList;
import java.util.List;

import lanchat.api.internal.ProtoReader;
import lanchat.api.internal.ProtoWriter;

/**
 * The libp2p Noise handshake payload, carried encrypted in messages 2 and 3:
 *
 * <pre>
 *   message NoiseExtensions {
 *     repeated bytes  webtransport_certhashes = 1;   // ignored: no WebTransport here
 *     repeated string stream_muxers = 2;
 *   }
 *   message NoiseHandshakePayload {
 *     bytes identity_key = 1;                        // protobuf PublicKey
 *     bytes identity_sig = 2;                        // sign("noise-libp2p-static-key:" || Noise static key)
 *     NoiseExtensions extensions = 4;                // omitted when there is nothing to advertise
 *   }
 * </pre>
 *
 * Unknown fields are skipped; a repeated {@code extensions} field merges, as protobuf does.
 */
record HandshakePayload(byte[] identityKey, byte[] identitySig, List<String> streamMuxers) {
    HandshakePayload {
        streamMuxers = List.copyOf(streamMuxers);
    }

    byte[] encode() {
        ProtoWriter w = new ProtoWriter().bytes(1, identityKey).bytes(2, identitySig);
        if (!streamMuxers.isEmpty()) {
            ProtoWriter extensions = new ProtoWriter();
            for (String m : streamMuxers) extensions.string(2, m);
            w.bytes(4, extensions.toByteArray());
        }
        return w.toByteArray();
    }

    static HandshakePayload decode(byte[] protobuf) throws NoiseException {
        byte[] key = null, sig = null;
        List<String> muxers = new ArrayList<>();
        try {
            ProtoReader r = new ProtoReader(protobuf);
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> key = r.bytes();
                    case 2 -> sig = r.bytes();
                    case 4 -> readExtensions(r.bytes(), muxers);
                    default -> r.skip();
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new NoiseException("malformed libp2p handshake payload: " + e.getMessage(), e);
        }
        if (key == null) throw new NoiseException("libp2p handshake payload lacks identity_key");
        if (sig == null) throw new NoiseException("libp2p handshake payload lacks identity_sig");
        return new HandshakePayload(key, sig, muxers);
    }

    private static void readExtensions(byte[] protobuf, List<String> muxers) {
        ProtoReader r = new ProtoReader(protobuf);
        while (r.next()) {
            if (r.field() == 2) muxers.add(r.string());
            else r.skip();
        }
    }
}
