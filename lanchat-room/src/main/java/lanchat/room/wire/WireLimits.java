package lanchat.room.wire;

/** The sizes every peer must stay within; the decoders enforce them before allocating. */
public final class WireLimits {
    private WireLimits() {}

    /** Longest message text, in UTF-8 bytes. */
    public static final int MAX_TEXT_BYTES = 16 * 1024;
    /** Longest room name, in UTF-8 bytes (the private-room issue will put a 32-byte keyed hash here). */
    public static final int MAX_ROOM_BYTES = 128;
    /** Longest signed envelope: a full text, a nick, a key, the numbers and a signature fit with room to spare. */
    public static final int MAX_ENVELOPE_BYTES = 20 * 1024;
    /** Largest frame on the channel (also the channel's {@code maxMessageBytes}). */
    public static final int MAX_FRAME_BYTES = 64 * 1024;
    /** Authors per SUMMARY frame and per have-vector: more authors take several SUMMARY frames. */
    public static final int MAX_ENTRIES = 256;
    /** Room neighbours one have-vector may name. */
    public static final int MAX_NEIGHBOURS = 256;
    /** Messages one WANT may ask for. */
    public static final int MAX_WANT = 1000;
    /** Largest signature accepted (Ed25519's is 64 bytes). */
    public static final int MAX_SIGNATURE_BYTES = 64;
    /** Largest author key accepted: a libp2p PublicKey protobuf of an Ed25519 key is 36 bytes. */
    public static final int MAX_KEY_BYTES = 64;
}
