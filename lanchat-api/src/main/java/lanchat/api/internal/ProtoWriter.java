package lanchat.api.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The writing half of {@link ProtoReader}: fields are written in the order called. */
public final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public ProtoWriter varint(int field, long value) {
        Varint.write(((long) field << 3) | ProtoReader.VARINT, out);
        Varint.write(value, out);
        return this;
    }

    public ProtoWriter bytes(int field, byte[] value) {
        Varint.write(((long) field << 3) | ProtoReader.LEN, out);
        Varint.write(value.length, out);
        out.writeBytes(value);
        return this;
    }

    public ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
