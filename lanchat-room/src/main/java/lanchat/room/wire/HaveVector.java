package lanchat.room.wire;

import java.util.ArrayList;
import java.util.List;

import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.internal.ProtoReader;
import lanchat.api.internal.ProtoWriter;

/**
 * A member's receipt: which messages of each author it holds, as contiguous high-water marks.
 * <pre>
 * Have { string room = 1; bytes member_key = 2; uint64 version = 3; repeated Entry entries = 4;
 *        repeated bytes neighbours = 5; }
 * Entry { bytes author = 1; uint64 high = 2; }      // author = peer id bytes
 * </pre>
 * Signed (domain {@link Envelope#HAVE_DOMAIN}) by the member and relayed like messages, so a member two hops away
 * learns it too. {@code version} rises with every vector a member issues (its hybrid clock), so the latest wins.
 *
 * <p>{@code neighbours} (optional, added after v1 shipped; peer id bytes, at most {@link WireLimits#MAX_NEIGHBOURS}):
 * the members the signer has a room channel with when it signed. A relay uses it to hold back a copy for a neighbour
 * that gets the message from its author directly. A vector without it (an older peer) reads as "neighbours unknown",
 * and older peers skip the field as they skip every unknown one, so it is compatible both ways.
 *
 * @param neighbours the signer's room neighbours; empty when it has none or did not say
 * @param envelope the signed envelope as received or made, relayed byte for byte
 */
public record HaveVector(String room, PeerPublicKey memberKey, long version, List<Entry> entries, List<PeerId> neighbours, byte[] envelope) {
    /** One author's contiguous high-water mark. */
    public record Entry(PeerId author, long high) {}

    public HaveVector {
        entries = List.copyOf(entries);
        neighbours = List.copyOf(neighbours);
    }

    public PeerId member() {
        return PeerId.fromPublicKey(memberKey);
    }

    /** The high-water mark for {@code author}, 0 when the vector does not name it. */
    public long high(PeerId author) {
        for (Entry e : entries) if (e.author().equals(author)) return e.high();
        return 0;
    }

    /** A vector that names no neighbours (what an older peer sends). */
    public static HaveVector sign(Identity identity, String room, long version, List<Entry> entries) {
        return sign(identity, room, version, entries, List.of());
    }

    public static HaveVector sign(Identity identity, String room, long version, List<Entry> entries, List<PeerId> neighbours) {
        if (entries.size() > WireLimits.MAX_ENTRIES) throw new IllegalArgumentException("at most " + WireLimits.MAX_ENTRIES + " entries");
        if (neighbours.size() > WireLimits.MAX_NEIGHBOURS) throw new IllegalArgumentException("at most " + WireLimits.MAX_NEIGHBOURS + " neighbours");
        ProtoWriter w = new ProtoWriter().string(1, room).bytes(2, identity.publicKey().encode()).varint(3, version);
        for (Entry e : entries) w.bytes(4, new ProtoWriter().bytes(1, e.author().toBytes()).varint(2, e.high()).toByteArray());
        for (PeerId n : neighbours) w.bytes(5, n.toBytes());
        return new HaveVector(room, identity.publicKey(), version, entries, neighbours, Envelope.sign(identity, Envelope.HAVE_DOMAIN, w.toByteArray()));
    }

    /** Decodes and checks everything but the signature; see {@link #verify()}. Split so duplicates are dropped before the costly check. */
    public static HaveVector decode(byte[] envelope, String room) throws Rejection {
        Envelope e = Envelope.decode(envelope);
        String r = null;
        byte[] key = null;
        Long version = null;
        List<Entry> entries = new ArrayList<>();
        List<PeerId> neighbours = new ArrayList<>();
        try {
            ProtoReader in = new ProtoReader(e.body());
            while (in.next()) {
                switch (in.field()) {
                    case 1 -> r = Envelope.once(r, MessageBody.utf8(in.bytes(), "room"), "room");
                    case 2 -> key = Envelope.once(key, in.bytes(), "member_key");
                    case 3 -> version = Envelope.once(version, in.varint(), "version");
                    case 4 -> {
                        if (entries.size() == WireLimits.MAX_ENTRIES) throw new Rejection(Rejection.Kind.OVERSIZED, "have-vector with more than " + WireLimits.MAX_ENTRIES + " entries");
                        entries.add(entry(in.bytes()));
                    }
                    case 5 -> {
                        // checked before decoding the id: a flood of ids costs at most this many small allocations
                        if (neighbours.size() == WireLimits.MAX_NEIGHBOURS) throw new Rejection(Rejection.Kind.OVERSIZED, "have-vector with more than " + WireLimits.MAX_NEIGHBOURS + " neighbours");
                        neighbours.add(PeerId.fromBytes(in.bytes()));
                    }
                    default -> in.skip();
                }
            }
            if (r == null || key == null || version == null) throw new Rejection(Rejection.Kind.MALFORMED, "have-vector lacks a required field");
            if (key.length > WireLimits.MAX_KEY_BYTES) throw new Rejection(Rejection.Kind.OVERSIZED, "member key of " + key.length + " bytes");
            if (!r.equals(room)) throw new Rejection(Rejection.Kind.WRONG_ROOM, "have-vector for room '" + r + "'");
            return new HaveVector(r, PeerPublicKey.decode(key), version, entries, neighbours, envelope);
        } catch (IllegalArgumentException ex) {
            throw new Rejection(Rejection.Kind.MALFORMED, "have-vector: " + ex.getMessage());
        }
    }

    /** Checks the member's signature. */
    public void verify() throws Rejection {
        Envelope.decode(envelope).verify(memberKey, Envelope.HAVE_DOMAIN);
    }

    private static Entry entry(byte[] bytes) {
        byte[] author = null;
        Long high = null;
        ProtoReader in = new ProtoReader(bytes);
        while (in.next()) {
            switch (in.field()) {
                case 1 -> author = Envelope.once(author, in.bytes(), "author");
                case 2 -> high = Envelope.once(high, in.varint(), "high");
                default -> in.skip();
            }
        }
        if (author == null || high == null) throw new IllegalArgumentException("entry lacks author or high");
        return new Entry(PeerId.fromBytes(author), high);
    }
}
