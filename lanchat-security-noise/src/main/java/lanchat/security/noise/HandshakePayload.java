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
 *     repeated string lanchat_transport_ciphers = 1000;  // LAN Chat's extension: Noise cipher names ("AESGCM")
 *   }                                                   // offered for transport messages besides ChaChaPoly
 *   message NoiseHandshakePayload {
 *     bytes identity_key = 1;                        // protobuf PublicKey
 *     bytes identity_sig = 2;                        // sign("noise-libp2p-static-key:" || Noise static key)
 *     NoiseExtensions extensions = 4;                // omitted when there is nothing to advertise
 *   }
 * </pre>
 *
 * Unknown fields are skipped, at the top and in the extensions (LAN Chat builds before field 1000 skip it, and so do
 * libp2p's parsers; field numbers far above libp2p's keep clear of fields its spec may add); a repeated
 * {@code extensions} field merges, as protobuf does.
 */
record HandshakePayload(byte[] identityKey, byte[] identitySig, List<String> streamMuxers, List<String> transportCiphers) {
    /** Field of {@code NoiseExtensions} that lists the transport ciphers offered besides ChaChaPoly. */
    static final int TRANSPORT_CIPHERS_FIELD = 1000;

    HandshakePayload {
        streamMuxers = List.copyOf(streamMuxers);
        transportCiphers = List.copyOf(transportCiphers);
    }

    byte[] encode() {
        ProtoWriter w = new ProtoWriter().bytes(1, identityKey).bytes(2, identitySig);
        if (!streamMuxers.isEmpty() || !transportCiphers.isEmpty()) {
            ProtoWriter extensions = new ProtoWriter();
            for (String m : streamMuxers) extensions.string(2, m);
            for (String c : transportCiphers) extensions.string(TRANSPORT_CIPHERS_FIELD, c);
            w.bytes(4, extensions.toByteArray());
        }
        return w.toByteArray();
    }

    static HandshakePayload decode(byte[] protobuf) throws NoiseException {
        byte[] key = null, sig = null;
        List<String> muxers = new ArrayList<>();
        List<String> ciphers = new ArrayList<>();
        try {
            ProtoReader r = new ProtoReader(protobuf);
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> key = r.bytes();
                    case 2 -> sig = r.bytes();
                    case 4 -> readExtensions(r.bytes(), muxers, ciphers);
                    default -> r.skip();
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new NoiseException("malformed libp2p handshake payload: " + e.getMessage(), e);
        }
        if (key == null) throw new NoiseException("libp2p handshake payload lacks identity_key");
        if (sig == null) throw new NoiseException("libp2p handshake payload lacks identity_sig");
        return new HandshakePayload(key, sig, muxers, ciphers);
    }

    private static void readExtensions(byte[] protobuf, List<String> muxers, List<String> ciphers) {
        ProtoReader r = new ProtoReader(protobuf);
        while (r.next()) {
            switch (r.field()) {
                case 2 -> muxers.add(r.string());
                case TRANSPORT_CIPHERS_FIELD -> ciphers.add(r.string());
                default -> r.skip();
            }
        }
    }
}
