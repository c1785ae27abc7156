package lanchat.room.wire;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Optional;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;
import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.internal.ProtoReader;
import lanchat.api.internal.ProtoWriter;

/**
 * The signed part of a room message:
 * <pre>
 * Body { string room = 1; bytes author_key = 2; uint64 seq = 3; uint64 hlc = 4; uint64 sent_at = 5;
 *        string nick = 6; string text = 7; bytes relayed_from = 8; }
 * </pre>
 * {@code nick} is empty when the author has none; {@code relayed_from} is set only on a line the author relays, unsigned,
 * from a plain libp2p chat peer (then the author vouches only that the line came from that peer).
 *
 * @param seq 1.. per (room, author); never repeats
 * @param hlc the author's hybrid logical clock: {@code (physical ms << 16) | counter}; orders the room
 * @param sentAt the author's wall clock in ms: display only, never used for order
 */
public record MessageBody(String room, PeerPublicKey authorKey, long seq, long hlc, long sentAt, String nick, String text, Optional<PeerId> relayedFrom) {
    public MessageBody {
        try {
            check(room, authorKey, seq, hlc, sentAt, nick, text);
        } catch (Rejection r) {
            throw new IllegalArgumentException(r.getMessage());
        }
        relayedFrom = relayedFrom == null ? Optional.empty() : relayedFrom;
    }

    /** The author's peer id (derived from the key, never claimed). */
    public PeerId author() {
        return PeerId.fromPublicKey(authorKey);
    }

    /** The deterministic encoding: fields in number order, empty optional fields left out. */
    public byte[] encode() {
        ProtoWriter w = new ProtoWriter().string(1, room).bytes(2, authorKey.encode()).varint(3, seq).varint(4, hlc).varint(5, sentAt);
        if (!nick.isEmpty()) w.string(6, nick);
        w.string(7, text);
        relayedFrom.ifPresent(p -> w.bytes(8, p.toBytes()));
        return w.toByteArray();
    }

    /** Decodes and checks a body (not its signature). Unknown fields are skipped; known ones must appear once. */
    public static MessageBody decode(byte[] body) throws Rejection {
        String room = null, nick = null, text = null;
        byte[] key = null, relayed = null;
        Long seq = null, hlc = null, sentAt = null;
        try {
            ProtoReader r = new ProtoReader(body);
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> room = Envelope.once(room, utf8(r.bytes(), "room"), "room");
                    case 2 -> key = Envelope.once(key, r.bytes(), "author_key");
                    case 3 -> seq = Envelope.once(seq, r.varint(), "seq");
                    case 4 -> hlc = Envelope.once(hlc, r.varint(), "hlc");
                    case 5 -> sentAt = Envelope.once(sentAt, r.varint(), "sent_at");
                    case 6 -> nick = Envelope.once(nick, utf8(r.bytes(), "nick"), "nick");
                    case 7 -> text = Envelope.once(text, utf8(r.bytes(), "text"), "text");
                    case 8 -> relayed = Envelope.once(relayed, r.bytes(), "relayed_from");
                    default -> r.skip();
                }
            }
        } catch (IllegalArgumentException e) {
            throw new Rejection(Rejection.Kind.MALFORMED, "message body: " + e.getMessage());
        }
        if (room == null || key == null || seq == null || hlc == null || sentAt == null || text == null) {
            throw new Rejection(Rejection.Kind.MALFORMED, "message body lacks a required field");
        }
        if (key.length > WireLimits.MAX_KEY_BYTES) throw new Rejection(Rejection.Kind.OVERSIZED, "author key of " + key.length + " bytes");
        PeerPublicKey authorKey;
        Optional<PeerId> relayedFrom;
        try {
            authorKey = PeerPublicKey.decode(key);
            relayedFrom = relayed == null ? Optional.empty() : Optional.of(PeerId.fromBytes(relayed));
        } catch (IllegalArgumentException e) {
            throw new Rejection(Rejection.Kind.MALFORMED, "message body: " + e.getMessage());
        }
        if (nick == null) nick = "";
        check(room, authorKey, seq, hlc, sentAt, nick, text);
        return new MessageBody(room, authorKey, seq, hlc, sentAt, nick, text, relayedFrom);
    }

    private static void check(String room, PeerPublicKey key, long seq, long hlc, long sentAt, String nick, String text) throws Rejection {
        if (room == null || key == null || nick == null || text == null) throw new Rejection(Rejection.Kind.MALFORMED, "room, author key, nick and text are required");
        if (room.isEmpty() || utf8Length(room) > WireLimits.MAX_ROOM_BYTES) throw new Rejection(Rejection.Kind.OVERSIZED, "room name must be 1-" + WireLimits.MAX_ROOM_BYTES + " bytes");
        if (key.type() != KeyType.ED25519) throw new Rejection(Rejection.Kind.UNSUPPORTED_KEY, key.type() + " author keys are not accepted (Ed25519 only)");
        if (seq < 1) throw new Rejection(Rejection.Kind.MALFORMED, "seq must be at least 1");
        if (hlc < 0 || sentAt < 0) throw new Rejection(Rejection.Kind.MALFORMED, "negative clock");
        int textBytes = utf8Length(text);
        if (textBytes > WireLimits.MAX_TEXT_BYTES) throw new Rejection(Rejection.Kind.OVERSIZED, "text of " + textBytes + " bytes (limit " + WireLimits.MAX_TEXT_BYTES + ")");
        if (!nick.isEmpty()) {
            try {
                ChatMessage.checkNick(nick);
            } catch (IllegalArgumentException e) {
                throw new Rejection(Rejection.Kind.MALFORMED, "nick: " + e.getMessage());
            }
        }
    }

    /** Strict UTF-8: malformed bytes would decode to U+FFFD and make the shown text differ from the signed one. */
    static String utf8(byte[] bytes, String field) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(field + " is not valid UTF-8");
        }
    }

    /** Whether {@code nick} may go in a body (empty, or what {@link ChatMessage#checkNick} accepts). */
    public static boolean validNick(String nick) {
        if (nick.isEmpty()) return true;
        try {
            ChatMessage.checkNick(nick);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** UTF-8 length without encoding (lone surrogates count as the 3 bytes of their replacement). */
    public static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }
}
