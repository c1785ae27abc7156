package lanchat.api;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.internal.Base32;
import lanchat.api.internal.Base58;
import lanchat.api.internal.Varint;

/**
 * A libp2p peer id: the multihash of the peer's protobuf-encoded public key.
 *
 * <p>Keys whose encoding is at most 42 bytes (Ed25519, secp256k1) are inlined with the identity multihash
 * (code 0x00); longer keys (RSA, ECDSA) are hashed with sha2-256 (code 0x12). The text form is base58btc
 * ({@code 12D3KooW…} for Ed25519, {@code Qm…} for hashed keys); {@link #parse} also reads the CIDv1 form
 * (multibase {@code b}, codec libp2p-key 0x72).
 *
 * <p>Ordering is unsigned lexicographic over the multihash bytes, which is how go-libp2p compares
 * {@code peer.ID} strings; the dial arbitration depends on it.
 */
public record PeerId(byte[] multihash) implements Comparable<PeerId> {
    private static final int IDENTITY = 0x00, SHA2_256 = 0x12, LIBP2P_KEY_CODEC = 0x72, CID_V1 = 1;
    private static final int MAX_INLINE_KEY = 42;

    public PeerId {
        multihash = validate(multihash);
    }

    /** Derives the peer id of a public key, following the 42-byte inlining rule. */
    public static PeerId fromPublicKey(PeerPublicKey key) {
        byte[] encoded = key.encode();
        if (encoded.length <= MAX_INLINE_KEY) return new PeerId(multihash(IDENTITY, encoded));
        try {
            return new PeerId(multihash(SHA2_256, MessageDigest.getInstance("SHA-256").digest(encoded)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses the base58btc or the CIDv1 (base32) text form.
     *
     * @throws IllegalArgumentException with a message that says what is wrong with the text
     */
    public static PeerId parse(String text) {
        if (text == null || text.isEmpty()) throw new IllegalArgumentException("peer id is empty");
        if (text.startsWith("1") || text.startsWith("Qm")) {
            try {
                return new PeerId(Base58.decode(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid peer id '" + text + "': " + e.getMessage());
            }
        }
        if (text.startsWith("b") || text.startsWith("B")) {
            try {
                ByteBuffer cid = ByteBuffer.wrap(Base32.decode(text.substring(1)));
                if (Varint.read(cid) != CID_V1) throw new IllegalArgumentException("not a CIDv1");
                long codec = Varint.read(cid);
                if (codec != LIBP2P_KEY_CODEC) throw new IllegalArgumentException("CID codec 0x" + Long.toHexString(codec) + " is not libp2p-key (0x72)");
                byte[] mh = new byte[cid.remaining()];
                cid.get(mh);
                return new PeerId(mh);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid peer id '" + text + "': " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("invalid peer id '" + text + "': expected base58btc (12D3KooW…, Qm…) or a CIDv1 (b…)");
    }

    public static PeerId fromBytes(byte[] multihash) {
        return new PeerId(multihash);
    }

    public byte[] toBytes() {
        return multihash.clone();
    }

    @Override
    public byte[] multihash() {
        return multihash.clone();
    }

    /** The public key, when it is inlined (identity multihash). */
    public Optional<PeerPublicKey> publicKey() {
        if ((multihash[0] & 0xFF) != IDENTITY) return Optional.empty();
        ByteBuffer b = ByteBuffer.wrap(multihash);
        Varint.read(b);
        Varint.read(b);
        byte[] key = new byte[b.remaining()];
        b.get(key);
        return Optional.of(PeerPublicKey.decode(key));
    }

    /** True when {@code key} is the key this id was derived from. */
    public boolean matches(PeerPublicKey key) {
        return equals(fromPublicKey(key));
    }

    /** CIDv1 text form: {@code b} + base32(0x01 0x72 multihash). */
    public String toCidString() {
        byte[] cid = new byte[2 + multihash.length];
        cid[0] = CID_V1;
        cid[1] = LIBP2P_KEY_CODEC;
        System.arraycopy(multihash, 0, cid, 2, multihash.length);
        return "b" + Base32.encode(cid);
    }

    /** The last six characters of the base58 form: what a chat line shows when a peer has no nick. */
    public String shortString() {
        String s = toString();
        return s.substring(Math.max(0, s.length() - 6));
    }

    @Override
    public int compareTo(PeerId other) {
        return Arrays.compareUnsigned(multihash, other.multihash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId p && Arrays.equals(p.multihash, multihash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(multihash);
    }

    /** The base58btc form, as users copy it. */
    @Override
    public String toString() {
        return Base58.encode(multihash);
    }

    private static byte[] multihash(int code, byte[] digest) {
        byte[] c = Varint.encode(code), l = Varint.encode(digest.length);
        byte[] mh = new byte[c.length + l.length + digest.length];
        System.arraycopy(c, 0, mh, 0, c.length);
        System.arraycopy(l, 0, mh, c.length, l.length);
        System.arraycopy(digest, 0, mh, c.length + l.length, digest.length);
        return mh;
    }

    private static byte[] validate(byte[] mh) {
        if (mh == null || mh.length == 0) throw new IllegalArgumentException("peer id multihash is empty");
        ByteBuffer b = ByteBuffer.wrap(mh);
        long code = Varint.read(b);
        int len = Varint.readInt(b);
        if (len != b.remaining()) throw new IllegalArgumentException("multihash length " + len + " does not match its " + b.remaining() + " digest bytes");
        if (code == SHA2_256) {
            if (len != 32) throw new IllegalArgumentException("sha2-256 multihash must have 32 digest bytes, got " + len);
        } else if (code == IDENTITY) {
            if (len > MAX_INLINE_KEY) throw new IllegalArgumentException("identity multihash longer than " + MAX_INLINE_KEY + " bytes");
            byte[] key = Arrays.copyOfRange(mh, mh.length - len, mh.length);
            try {
                PeerPublicKey.decode(key);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("identity multihash does not hold a public key: " + e.getMessage());
            }
        } else {
            throw new IllegalArgumentException("unsupported multihash code 0x" + Long.toHexString(code) + " (peer ids use identity or sha2-256)");
        }
        return mh.clone();
    }
}
