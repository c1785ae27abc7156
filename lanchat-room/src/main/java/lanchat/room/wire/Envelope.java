package lanchat.room.wire;

import java.nio.charset.StandardCharsets;

import lanchat.api.Identity;
import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.internal.Bytes;
import lanchat.api.internal.ProtoReader;
import lanchat.api.internal.ProtoWriter;

/**
 * {@code Envelope { bytes body = 1; bytes signature = 2; }}: a body and its signer's signature over
 * {@code domain || body}. The domain string keeps a signature made for one purpose (a message, a have-vector) from
 * being replayed as the other; the bytes received are the bytes kept and relayed.
 */
public record Envelope(byte[] body, byte[] signature) {
    /** Domain of message signatures. */
    public static final byte[] MESSAGE_DOMAIN = "lanchat/room-log/v1\n".getBytes(StandardCharsets.US_ASCII);
    /** Domain of have-vector signatures. */
    public static final byte[] HAVE_DOMAIN = "lanchat/room-have/v1\n".getBytes(StandardCharsets.US_ASCII);

    public byte[] encode() {
        return new ProtoWriter().bytes(1, body).bytes(2, signature).toByteArray();
    }

    /** Signs {@code body} in {@code domain} and returns the encoded envelope. */
    public static byte[] sign(Identity identity, byte[] domain, byte[] body) {
        return new Envelope(body, identity.sign(Bytes.concat(domain, body))).encode();
    }

    /** Decodes without verifying; sizes are checked first. */
    public static Envelope decode(byte[] encoded) throws Rejection {
        if (encoded.length > WireLimits.MAX_ENVELOPE_BYTES) throw new Rejection(Rejection.Kind.OVERSIZED, "envelope of " + encoded.length + " bytes (limit " + WireLimits.MAX_ENVELOPE_BYTES + ")");
        byte[] body = null, signature = null;
        try {
            ProtoReader r = new ProtoReader(encoded);
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> body = once(body, r.bytes(), "body");
                    case 2 -> signature = once(signature, r.bytes(), "signature");
                    default -> r.skip();
                }
            }
        } catch (IllegalArgumentException e) {
            throw new Rejection(Rejection.Kind.MALFORMED, "envelope: " + e.getMessage());
        }
        if (body == null || signature == null) throw new Rejection(Rejection.Kind.MALFORMED, "envelope without " + (body == null ? "body" : "signature"));
        if (signature.length > WireLimits.MAX_SIGNATURE_BYTES) throw new Rejection(Rejection.Kind.OVERSIZED, "signature of " + signature.length + " bytes");
        return new Envelope(body, signature);
    }

    /** Checks the signature of {@code key} over {@code domain || body}. */
    public void verify(PeerPublicKey key, byte[] domain) throws Rejection {
        if (key.type() != KeyType.ED25519) throw new Rejection(Rejection.Kind.UNSUPPORTED_KEY, key.type() + " keys are not accepted in rooms (Ed25519 only)");
        boolean ok;
        try {
            ok = key.verify(Bytes.concat(domain, body), signature);
        } catch (IllegalArgumentException e) {
            ok = false; // an unusable key is as good as a wrong signature
        }
        if (!ok) throw new Rejection(Rejection.Kind.BAD_SIGNATURE, "signature does not verify");
    }

    /** A strict decoder's guard: a field seen twice would let two implementations read two different values. */
    static <T> T once(T previous, T value, String name) {
        if (previous != null) throw new IllegalArgumentException("field " + name + " appears twice");
        return value;
    }
}
