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
 * type, or a Data length above {@code maxDataLength} raise a {@link YamuxProtocolException}; the stream then
 * cannot be re-synchronised, so everything received afterwards is discarded. Flags the spec does not define are
 * passed through.
 *
 * <p>When a {@link YamuxSession} follows in the pipeline, a Data frame is also checked against the receive
 * window the session has left for its stream, as go-yamux does: a frame longer than that is a protocol error
 * raised from its header, before any byte of its payload is buffered. Without the check a peer could make
 * us hold {@code maxDataLength} bytes per connection by sending a header and all but the last byte.
 */
public class YamuxFrameDecoder extends ByteToMessageDecoder {
    /** Hard bound on one Data frame; in practice the receive window bounds it much lower. */
    public static final int DEFAULT_MAX_DATA_LENGTH = 16 * 1024 * 1024;

    private final int maxDataLength;
    private boolean failed;
    /** The session whose receive windows bound Data frames; found in the pipeline on first use. */
    private YamuxSession session;

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
        YamuxSession windows = session(ctx);
        if (windows != null) {
            long window = windows.receiveWindowOf(streamId);
            if (length > window) {
                throw fail(in, "stream " + Integer.toUnsignedString(streamId) + " sent a data frame of " + length
                        + " bytes; its receive window is " + window);
            }
        }
        if (in.readableBytes() < YamuxFrame.HEADER_LENGTH + length) return;
        in.skipBytes(YamuxFrame.HEADER_LENGTH);
        out.add(new YamuxFrame(0, type, flags, streamId, length, in.readRetainedSlice((int) length)));
    }

    private YamuxSession session(ChannelHandlerContext ctx) {
        if (session == null) session = ctx.pipeline().get(YamuxSession.class);
        return session;
    }

    private YamuxProtocolException fail(ByteBuf in, String message) {
        failed = true;
        in.skipBytes(in.readableBytes());
        return new YamuxProtocolException(message);
    }
}
