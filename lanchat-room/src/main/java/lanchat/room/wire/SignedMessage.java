package lanchat.room.wire;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import lanchat.api.Identity;
import lanchat.api.PeerId;

/**
 * A room message as it travels and is stored: the encoded envelope (kept byte for byte), its decoded body, the
 * author's peer id and the message id, {@code SHA-256(body)}. The id tells a duplicate (same id) from an
 * equivocation (same room, author and seq, another id); the identity of a message is (room, author, seq), never its
 * hash, so two identical "ok" lines are two messages.
 */
public record SignedMessage(MessageBody body, byte[] envelope, byte[] id, PeerId author) {
    /** Signs a body of ours. */
    public static SignedMessage sign(Identity identity, MessageBody body) {
        if (!identity.publicKey().equals(body.authorKey())) throw new IllegalArgumentException("a body is signed by its author");
        byte[] bodyBytes = body.encode();
        return new SignedMessage(body, Envelope.sign(identity, Envelope.MESSAGE_DOMAIN, bodyBytes), sha256(bodyBytes), identity.peerId());
    }

    /**
     * Opens an envelope from the network: the cheap checks first (size, decoding, room, key type, clock bound), then
     * the signature.
     *
     * @param maxHlc the largest hlc accepted now (our clock plus the allowed skew); later ones are {@link Rejection.Kind#FUTURE}
     */
    public static SignedMessage open(byte[] envelope, String room, long maxHlc) throws Rejection {
        SignedMessage m = decode(envelope, room, maxHlc);
        m.verify();
        return m;
    }

    /**
     * The cheap checks of {@link #open} without the signature: lets a receiver drop what it already holds before paying
     * for a verification. Call {@link #verify()} before trusting, storing or relaying the result.
     */
    public static SignedMessage decode(byte[] envelope, String room, long maxHlc) throws Rejection {
        Envelope e = Envelope.decode(envelope);
        MessageBody body = MessageBody.decode(e.body());
        if (!body.room().equals(room)) throw new Rejection(Rejection.Kind.WRONG_ROOM, "message for room '" + body.room() + "'");
        if (body.hlc() > maxHlc) throw new Rejection(Rejection.Kind.FUTURE, "message stamped " + ((body.hlc() - maxHlc) >>> 16) + " ms beyond the allowed clock skew");
        return new SignedMessage(body, envelope, sha256(e.body()), body.author());
    }

    /** Checks the author's signature over the body. */
    public void verify() throws Rejection {
        Envelope.decode(envelope).verify(body.authorKey(), Envelope.MESSAGE_DOMAIN);
    }

    /** Decodes an envelope this node verified before (read back from the store): no signature check. */
    public static SignedMessage trusted(byte[] envelope) {
        try {
            Envelope e = Envelope.decode(envelope);
            MessageBody body = MessageBody.decode(e.body());
            return new SignedMessage(body, envelope, sha256(e.body()), body.author());
        } catch (Rejection r) {
            throw new IllegalStateException("stored envelope no longer decodes: " + r.getMessage(), r);
        }
    }

    public long seq() { return body.seq(); }

    public long hlc() { return body.hlc(); }

    /** The first 8 hex digits of the id: what a person compares. */
    public String shortId() {
        return HexFormat.of().formatHex(id, 0, 4);
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
