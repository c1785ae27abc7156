package lanchat.room.wire;

import java.util.ArrayList;
import java.util.List;

import lanchat.api.PeerId;
import lanchat.api.internal.ProtoReader;
import lanchat.api.internal.ProtoWriter;

/**
 * The frames of {@code /lanchat/room/1.0.0}: each is one channel message, a tag byte then a protobuf body, at most
 * {@link WireLimits#MAX_FRAME_BYTES}.
 * <pre>
 * 1 SUMMARY  { string room = 1; repeated Entry entries = 2; bool more = 3; }   Entry { bytes author = 1; uint64 low = 2; uint64 high = 3; }
 * 2 WANT     { string room = 1; bytes author = 2; uint64 from_seq = 3; uint64 to_seq = 4; uint32 limit = 5; }
 * 3 MESSAGES { repeated bytes envelopes = 2; bool catch_up = 3; repeated Done done = 4; }   Done { bytes author = 1; uint64 through = 2; }
 * 4 HAVE     { bytes envelope = 1; }
 * </pre>
 */
public sealed interface Frame {
    int SUMMARY = 1, WANT = 2, MESSAGES = 3, HAVE = 4;

    /**
     * The room a node names in its only SUMMARY when it has no room log at all (SQLite cannot load): the peer treats
     * it as a plain peer (as one of another room) and sends it plain chat lines.
     */
    String NO_ROOM_LOG = "(no room log)";

    /**
     * What a node holds of each author: {@code [low, high]}, with nothing missing up to {@code high} (below
     * {@code low} was pruned or never held, not missing). {@code more}: further SUMMARY frames follow.
     */
    record Summary(String room, List<SummaryEntry> entries, boolean more) implements Frame {
        public Summary {
            entries = List.copyOf(entries);
            if (entries.size() > WireLimits.MAX_ENTRIES) throw new IllegalArgumentException("at most " + WireLimits.MAX_ENTRIES + " entries per summary");
        }
    }

    record SummaryEntry(PeerId author, long low, long high) {}

    /** Asks for what the peer holds of {@code author} in {@code [from, to]}, at most {@code limit} messages, ascending. */
    record Want(String room, PeerId author, long from, long to, int limit) implements Frame {}

    /**
     * Envelopes, ascending per author. {@code catchUp}: they answer a WANT (or were relayed from one), so the
     * receiver shows them as one block rather than as live lines. {@code done}: the sender has now sent everything it
     * holds of that author up to {@code through} for the WANT it answers.
     */
    record Messages(List<byte[]> envelopes, boolean catchUp, List<Done> done) implements Frame {
        public Messages {
            envelopes = List.copyOf(envelopes);
            done = List.copyOf(done);
        }
    }

    record Done(PeerId author, long through) {}

    /** A signed have-vector ({@link HaveVector}), relayed byte for byte. */
    record Have(byte[] envelope) implements Frame {}

    /** Bytes a Messages frame spends on one envelope beyond the envelope itself (field key and length). */
    static int envelopeOverhead(int envelopeBytes) {
        return 1 + lanchat.api.internal.Varint.size(envelopeBytes);
    }

    /** Public (the package is not exported) for test peers that speak the protocol from the project's own codec. */
    public static byte[] encode(Frame frame) {
        ProtoWriter w = new ProtoWriter();
        int tag;
        if (frame instanceof Summary s) {
            tag = SUMMARY;
            w.string(1, s.room());
            for (SummaryEntry e : s.entries()) w.bytes(2, new ProtoWriter().bytes(1, e.author().toBytes()).varint(2, e.low()).varint(3, e.high()).toByteArray());
            if (s.more()) w.varint(3, 1);
        } else if (frame instanceof Want want) {
            tag = WANT;
            w.string(1, want.room()).bytes(2, want.author().toBytes()).varint(3, want.from()).varint(4, want.to()).varint(5, want.limit());
        } else if (frame instanceof Messages m) {
            tag = MESSAGES;
            for (byte[] e : m.envelopes()) w.bytes(2, e);
            if (m.catchUp()) w.varint(3, 1);
            for (Done d : m.done()) w.bytes(4, new ProtoWriter().bytes(1, d.author().toBytes()).varint(2, d.through()).toByteArray());
        } else {
            tag = HAVE;
            w.bytes(1, ((Have) frame).envelope());
        }
        byte[] body = w.toByteArray();
        byte[] out = new byte[1 + body.length];
        out[0] = (byte) tag;
        System.arraycopy(body, 0, out, 1, body.length);
        if (out.length > WireLimits.MAX_FRAME_BYTES) throw new IllegalArgumentException("frame of " + out.length + " bytes is over " + WireLimits.MAX_FRAME_BYTES);
        return out;
    }

    public static Frame decode(byte[] frame) throws Rejection {
        if (frame.length == 0) throw new Rejection(Rejection.Kind.MALFORMED, "empty frame");
        if (frame.length > WireLimits.MAX_FRAME_BYTES) throw new Rejection(Rejection.Kind.OVERSIZED, "frame of " + frame.length + " bytes");
        byte[] body = java.util.Arrays.copyOfRange(frame, 1, frame.length);
        try {
            return switch (frame[0]) {
                case SUMMARY -> summary(body);
                case WANT -> want(body);
                case MESSAGES -> messages(body);
                case HAVE -> have(body);
                default -> throw new Rejection(Rejection.Kind.MALFORMED, "unknown frame type " + (frame[0] & 0xFF));
            };
        } catch (IllegalArgumentException e) {
            throw new Rejection(Rejection.Kind.MALFORMED, "frame type " + frame[0] + ": " + e.getMessage());
        }
    }

    private static Summary summary(byte[] body) throws Rejection {
        String room = null;
        boolean more = false;
        List<SummaryEntry> entries = new ArrayList<>();
        ProtoReader r = new ProtoReader(body);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> room = Envelope.once(room, MessageBody.utf8(r.bytes(), "room"), "room");
                case 2 -> {
                    if (entries.size() == WireLimits.MAX_ENTRIES) throw new Rejection(Rejection.Kind.OVERSIZED, "summary with more than " + WireLimits.MAX_ENTRIES + " entries");
                    entries.add(summaryEntry(r.bytes()));
                }
                case 3 -> more = r.varint() != 0;
                default -> r.skip();
            }
        }
        if (room == null) throw new Rejection(Rejection.Kind.MALFORMED, "summary without room");
        return new Summary(room, entries, more);
    }

    private static SummaryEntry summaryEntry(byte[] bytes) {
        byte[] author = null;
        long low = 0, high = 0;
        ProtoReader r = new ProtoReader(bytes);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> author = Envelope.once(author, r.bytes(), "author");
                case 2 -> low = r.varint();
                case 3 -> high = r.varint();
                default -> r.skip();
            }
        }
        if (author == null) throw new IllegalArgumentException("summary entry without author");
        return new SummaryEntry(PeerId.fromBytes(author), low, high);
    }

    private static Want want(byte[] body) throws Rejection {
        String room = null;
        byte[] author = null;
        long from = 0, to = 0, limit = 0;
        ProtoReader r = new ProtoReader(body);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> room = Envelope.once(room, MessageBody.utf8(r.bytes(), "room"), "room");
                case 2 -> author = Envelope.once(author, r.bytes(), "author");
                case 3 -> from = r.varint();
                case 4 -> to = r.varint();
                case 5 -> limit = r.varint();
                default -> r.skip();
            }
        }
        if (room == null || author == null) throw new Rejection(Rejection.Kind.MALFORMED, "want without room or author");
        if (from < 1 || to < from) throw new Rejection(Rejection.Kind.MALFORMED, "want range [" + from + ", " + to + "]");
        if (limit < 1 || limit > WireLimits.MAX_WANT) throw new Rejection(Rejection.Kind.OVERSIZED, "want of " + limit + " messages (limit " + WireLimits.MAX_WANT + ")");
        return new Want(room, PeerId.fromBytes(author), from, to, (int) limit);
    }

    private static Messages messages(byte[] body) throws Rejection {
        List<byte[]> envelopes = new ArrayList<>();
        List<Done> done = new ArrayList<>();
        boolean catchUp = false;
        ProtoReader r = new ProtoReader(body);
        while (r.next()) {
            switch (r.field()) {
                case 2 -> envelopes.add(r.bytes()); // each is size-checked when opened; the frame bounds their sum
                case 3 -> catchUp = r.varint() != 0;
                case 4 -> {
                    if (done.size() == WireLimits.MAX_ENTRIES) throw new Rejection(Rejection.Kind.OVERSIZED, "more than " + WireLimits.MAX_ENTRIES + " done marks");
                    done.add(done(r.bytes()));
                }
                default -> r.skip();
            }
        }
        return new Messages(envelopes, catchUp, done);
    }

    private static Done done(byte[] bytes) {
        byte[] author = null;
        long through = 0;
        ProtoReader r = new ProtoReader(bytes);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> author = Envelope.once(author, r.bytes(), "author");
                case 2 -> through = r.varint();
                default -> r.skip();
            }
        }
        if (author == null) throw new IllegalArgumentException("done mark without author");
        return new Done(PeerId.fromBytes(author), through);
    }

    private static Have have(byte[] body) throws Rejection {
        byte[] envelope = null;
        ProtoReader r = new ProtoReader(body);
        while (r.next()) {
            if (r.field() == 1) envelope = Envelope.once(envelope, r.bytes(), "envelope");
            else r.skip();
        }
        if (envelope == null) throw new Rejection(Rejection.Kind.MALFORMED, "have without envelope");
        return new Have(envelope);
    }
}
