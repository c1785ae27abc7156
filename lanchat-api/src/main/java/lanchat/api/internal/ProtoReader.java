package lanchat.api.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf (proto2/proto3) reader for the few small messages libp2p exchanges
 * (keys, noise payload, identify). Unknown fields are skipped; groups and malformed input are rejected
 * with {@link IllegalArgumentException}.
 *
 * <pre>{@code
 * ProtoReader r = new ProtoReader(bytes);
 * while (r.next()) switch (r.field()) { case 1 -> type = (int) r.varint(); case 2 -> data = r.bytes(); default -> r.skip(); }
 * }</pre>
 */
public final class ProtoReader {
    public static final int VARINT = 0, I64 = 1, LEN = 2, I32 = 5;

    private final ByteBuffer in;
    private int field;
    private int wireType;
    private boolean consumed = true;

    public ProtoReader(byte[] message) {
        this.in = ByteBuffer.wrap(message);
    }

    /** Advances to the next field; false at the end of the message. */
    public boolean next() {
        if (!consumed) skip();
        if (!in.hasRemaining()) return false;
        long key = Varint.read(in);
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field == 0 || key >>> 3 > 0x1FFFFFFF) throw new IllegalArgumentException("invalid protobuf field number " + (key >>> 3));
        if (wireType != VARINT && wireType != I64 && wireType != LEN && wireType != I32) {
            throw new IllegalArgumentException("unsupported protobuf wire type " + wireType + " for field " + field);
        }
        consumed = false;
        return true;
    }

    public int field() { return field; }

    public int wireType() { return wireType; }

    public long varint() {
        expect(VARINT);
        consumed = true;
        return Varint.read(in);
    }

    public byte[] bytes() {
        expect(LEN);
        consumed = true;
        int len = Varint.readInt(in);
        if (len > in.remaining()) throw new IllegalArgumentException("protobuf field " + field + " length " + len + " exceeds message");
        byte[] b = new byte[len];
        in.get(b);
        return b;
    }

    public String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** Skips the current field's value whatever its type. */
    public void skip() {
        if (consumed) throw new IllegalStateException("call next() first"); // else it would eat the next field's bytes
        consumed = true;
        switch (wireType) {
            case VARINT -> Varint.read(in);
            case I64 -> advance(8);
            case I32 -> advance(4);
            case LEN -> advance(Varint.readInt(in));
            default -> throw new IllegalStateException();
        }
    }

    private void advance(int n) {
        if (n > in.remaining()) throw new IllegalArgumentException("protobuf field " + field + " truncated");
        in.position(in.position() + n);
    }

    private void expect(int type) {
        if (consumed) throw new IllegalStateException("call next() first");
        if (wireType != type) throw new IllegalArgumentException("protobuf field " + field + " has wire type " + wireType + ", expected " + type);
    }
}
