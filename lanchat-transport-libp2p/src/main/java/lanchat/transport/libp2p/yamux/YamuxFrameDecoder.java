package lanchat.transport.libp2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes the byte stream into {@link YamuxFrame}s (layout in {@link YamuxFrame}).
 *
 * <pre>
 * BEFORE DECODE (17 bytes)                                 AFTER DECODE
 * +----+----+-------+-------------+-------------+-------+     +--------------------------------------+
 * | 00 | 00 | 00 01 | 00 00 00 01 | 00 00 00 05 | hello | --&gt; | YamuxFrame(DATA, SYN, stream 1, 5,    |
 * +----+----+-------+-------------+-------------+-------+     |            data = slice "hello")     |
 *  ver  type  flags    stream id     length       data        +--------------------------------------+
 * </pre>
 *
 * <p>The payload is a retained slice of the cumulation, never a copy. A version other than 0, an unknown
 * type, or a Data length above {@code maxDataLength} (checked on the header, before the payload is buffered)
 * raise a {@link YamuxProtocolException}; the stream then cannot be re-synchronised, so everything received
 * afterwards is discarded. Flags the spec does not define are passed through.
 */
public class YamuxFrameDecoder extends ByteToMessageDecoder {
    /** Hard bound on one Data frame; in practice the receive window bounds it much lower. */
    public static final int DEFAULT_MAX_DATA_LENGTH = 16 * 1024 * 1024;

    private final int maxDataLength;
    private boolean failed;

    public YamuxFrameDecoder() {
        this(DEFAULT_MAX_DATA_LENGTH);
    }

    public YamuxFrameDecoder(int maxDataLength) {
        if (maxDataLength < 0) throw new IllegalArgumentException("maxDataLength must be non-negative: " + maxDataLength);
        this.maxDataLength = maxDataLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < YamuxFrame.HEADER_LENGTH) return;
        int at = in.readerIndex();
        int version = in.getUnsignedByte(at);
        int typeCode = in.getUnsignedByte(at + 1);
        int flags = in.getUnsignedShort(at + 2);
        int streamId = in.getInt(at + 4);
        long length = in.getUnsignedInt(at + 8);
        YamuxFrameType type = YamuxFrameType.of(typeCode);
        if (version != 0) throw fail(in, "unsupported yamux version " + version);
        if (type == null) throw fail(in, "unknown yamux frame type " + typeCode);
        if (type != YamuxFrameType.DATA) {
            in.skipBytes(YamuxFrame.HEADER_LENGTH);
            out.add(new YamuxFrame(0, type, flags, streamId, length, null));
            return;
        }
        if (length > maxDataLength) {
            throw fail(in, "data frame of " + length + " bytes exceeds maxDataLength " + maxDataLength);
        }
        if (in.readableBytes() < YamuxFrame.HEADER_LENGTH + length) return;
        in.skipBytes(YamuxFrame.HEADER_LENGTH);
        out.add(new YamuxFrame(0, type, flags, streamId, length, in.readRetainedSlice((int) length)));
    }

    private YamuxProtocolException fail(ByteBuf in, String message) {
        failed = true;
        in.skipBytes(in.readableBytes());
        return new YamuxProtocolException(message);
    }
}
