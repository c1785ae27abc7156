package lanchat.api.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;

/**
 * Unsigned LEB128 varints as used by multiformats and protobuf.
 *
 * <p>Multiformats restrict varints to at most 9 bytes (63 bits) and require the minimal encoding;
 * both rules are enforced here so that a peer cannot smuggle two encodings of one value.
 */
public final class Varint {
    /** Longest varint multiformats allow. */
    public static final int MAX_BYTES = 9;

    private Varint() {}

    public static int size(long value) {
        if (value < 0) throw new IllegalArgumentException("varint must be non-negative: " + value);
        int n = 1;
        while ((value >>>= 7) != 0) n++;
        return n;
    }

    public static void write(long value, ByteArrayOutputStream out) {
        if (value < 0) throw new IllegalArgumentException("varint must be non-negative: " + value);
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    public static byte[] encode(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size(value));
        write(value, out);
        return out.toByteArray();
    }

    /**
     * Reads one varint from {@code in}, advancing its position.
     *
     * @throws IllegalArgumentException on a truncated, overlong or non-minimal varint
     */
    public static long read(ByteBuffer in) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            int b;
            try {
                b = in.get() & 0xFF;
            } catch (BufferUnderflowException e) {
                throw new IllegalArgumentException("truncated varint");
            }
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) throw new IllegalArgumentException("varint is not minimally encoded");
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than " + MAX_BYTES + " bytes");
    }

    /** Reads a varint that must fit in an int (a length or a code). */
    public static int readInt(ByteBuffer in) {
        long v = read(in);
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException("varint too large: " + v);
        return (int) v;
    }
}
