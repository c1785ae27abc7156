package lanchat.transport.libp2p.wire;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import lanchat.api.internal.Varint;

/**
 * Multiformats unsigned varints read from and written to a {@link ByteBuf}.
 *
 * <p>{@link Varint} works on {@code ByteBuffer}s and byte arrays and throws on a truncated input; a decoder
 * reading from a socket must instead tell "not enough bytes yet" from "corrupt", without allocating and
 * without moving the reader index. The encoding rules (at most {@value Varint#MAX_BYTES} bytes, minimal
 * form only) are the same, and sizes come from {@link Varint#size(long)}.
 *
 * <pre>
 *   value 300 = 0b10_0101100  →  0xAC 0x02   (low 7 bits first, high bit = "more bytes follow")
 * </pre>
 */
public final class UnsignedVarint {
    /** Returned by {@link #peek(ByteBuf)} when the buffer ends inside a varint. */
    public static final long INCOMPLETE = -1;

    private UnsignedVarint() {}

    /**
     * Reads the varint at {@code in.readerIndex()} without consuming it.
     *
     * @return the value (its encoded size is {@link Varint#size(long)} because only minimal encodings are
     *     accepted), or {@link #INCOMPLETE} if more bytes are needed
     * @throws CorruptedFrameException if the varint is longer than {@value Varint#MAX_BYTES} bytes or is not
     *     minimally encoded
     */
    public static long peek(ByteBuf in) {
        int start = in.readerIndex();
        int available = Math.min(in.readableBytes(), Varint.MAX_BYTES);
        long value = 0;
        for (int i = 0; i < available; i++) {
            int b = in.getByte(start + i) & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                // a trailing 0x00 adds no bits: a second encoding of a shorter value
                if (b == 0 && i > 0) throw new CorruptedFrameException("varint is not minimally encoded");
                return value;
            }
        }
        if (available == Varint.MAX_BYTES) {
            throw new CorruptedFrameException("varint longer than " + Varint.MAX_BYTES + " bytes");
        }
        return INCOMPLETE;
    }

    /** Encoded size of {@code value}; see {@link Varint#size(long)}. */
    public static int size(long value) {
        return Varint.size(value);
    }

    /** Appends {@code value} (which must be non-negative) to {@code out}. */
    public static ByteBuf write(ByteBuf out, long value) {
        if (value < 0) throw new IllegalArgumentException("varint must be non-negative: " + value);
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        return out.writeByte((int) value);
    }
}
