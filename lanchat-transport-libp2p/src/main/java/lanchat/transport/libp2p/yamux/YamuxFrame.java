package lanchat.transport.libp2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.util.Objects;

/**
 * One yamux frame: the 12-byte header and, for {@link YamuxFrameType#DATA}, its payload.
 *
 * <pre>
 *  0               1               2               3
 * +---------------+---------------+-------------------------------+
 * | Version (0)   | Type          | Flags (SYN 1, ACK 2, FIN 4,   |
 * |               |               |        RST 8)                 |
 * +---------------+---------------+-------------------------------+
 * | Stream ID (client odd, server even, 0 = session)              |
 * +---------------------------------------------------------------+
 * | Length: Data = payload bytes that follow; Window Update =     |
 * | window delta; Ping = opaque value; Go Away = error code       |
 * +---------------------------------------------------------------+
 * | Data payload (Data frames only, Length bytes)                 |
 * +---------------------------------------------------------------+
 * all fields big-endian
 * </pre>
 *
 * <p>{@code streamId} and {@code length} are unsigned 32-bit values (the id held in an int, the length in a
 * long). A frame owns its {@code data}; it is {@link ReferenceCounted} through it, so
 * {@code ReferenceCountUtil.release(frame)} works on any frame (a frame without data is never freed).
 */
public record YamuxFrame(int version, YamuxFrameType type, int flags, int streamId, long length, ByteBuf data)
        implements ReferenceCounted {
    public static final int HEADER_LENGTH = 12;
    public static final int FLAG_SYN = 0x1;
    public static final int FLAG_ACK = 0x2;
    public static final int FLAG_FIN = 0x4;
    public static final int FLAG_RST = 0x8;
    /** Largest value of the 32-bit length field. */
    public static final long MAX_LENGTH = 0xFFFF_FFFFL;

    public YamuxFrame {
        Objects.requireNonNull(type, "type");
        if (version < 0 || version > 0xFF) throw new IllegalArgumentException("version must fit 8 bits: " + version);
        if (flags < 0 || flags > 0xFFFF) throw new IllegalArgumentException("flags must fit 16 bits: " + flags);
        if (length < 0 || length > MAX_LENGTH) throw new IllegalArgumentException("length must fit 32 bits: " + length);
        if (type == YamuxFrameType.DATA) {
            Objects.requireNonNull(data, "data");
            if (data.readableBytes() != length) {
                throw new IllegalArgumentException("length " + length + " != data.readableBytes() "
                        + data.readableBytes());
            }
        } else if (data != null) {
            throw new IllegalArgumentException(type + " frames carry no data");
        }
    }

    /** A Data frame carrying {@code data} (whose ownership passes to the frame). */
    public static YamuxFrame data(int streamId, int flags, ByteBuf data) {
        return new YamuxFrame(0, YamuxFrameType.DATA, flags, streamId, data.readableBytes(), data);
    }

    public static YamuxFrame windowUpdate(int streamId, int flags, long delta) {
        return new YamuxFrame(0, YamuxFrameType.WINDOW_UPDATE, flags, streamId, delta, null);
    }

    public static YamuxFrame ping(int flags, long opaque) {
        return new YamuxFrame(0, YamuxFrameType.PING, flags, 0, opaque, null);
    }

    public static YamuxFrame goAway(GoAwayCode code) {
        return new YamuxFrame(0, YamuxFrameType.GO_AWAY, 0, 0, code.code(), null);
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    @Override
    public int refCnt() {
        return data == null ? 1 : data.refCnt();
    }

    @Override
    public YamuxFrame retain() {
        if (data != null) data.retain();
        return this;
    }

    @Override
    public YamuxFrame retain(int increment) {
        if (data != null) data.retain(increment);
        return this;
    }

    @Override
    public YamuxFrame touch() {
        if (data != null) data.touch();
        return this;
    }

    @Override
    public YamuxFrame touch(Object hint) {
        if (data != null) data.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return data != null && data.release();
    }

    @Override
    public boolean release(int decrement) {
        return data != null && data.release(decrement);
    }

    @Override
    public String toString() {
        return "YamuxFrame(" + type + " stream=" + Integer.toUnsignedString(streamId) + " flags=" + flagNames(flags)
                + " length=" + length + (version != 0 ? " version=" + version : "") + ')';
    }

    static String flagNames(int flags) {
        if (flags == 0) return "-";
        StringBuilder sb = new StringBuilder();
        if ((flags & FLAG_SYN) != 0) sb.append("SYN|");
        if ((flags & FLAG_ACK) != 0) sb.append("ACK|");
        if ((flags & FLAG_FIN) != 0) sb.append("FIN|");
        if ((flags & FLAG_RST) != 0) sb.append("RST|");
        int other = flags & ~0xF;
        if (other != 0) sb.append("0x").append(Integer.toHexString(other)).append('|');
        return sb.substring(0, sb.length() - 1);
    }
}
