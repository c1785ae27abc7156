package lanchat.transport.libp2p.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a byte stream into frames prefixed with their length as a multiformats unsigned varint, the
 * framing of multistream-select, identify and most other libp2p protocols.
 *
 * <pre>
 * BEFORE DECODE (8 bytes)                  AFTER DECODE (5 bytes)
 * +-------------+------------------+       +------------------+
 * | Length 0x05 | Payload "hello"  |  -->  | Payload "hello"  |
 * | 1..9 bytes  | 5 bytes          |       |                  |
 * +-------------+------------------+       +------------------+
 *
 * Length 300 is sent as 0xAC 0x02; 0x85 0x00 (a non-minimal 5) is rejected.
 * </pre>
 *
 * <p>Each frame is emitted as a retained slice of the cumulation, so the payload is never copied. Netty's
 * {@code ProtobufVarint32FrameDecoder} has no maximum; this one rejects frames longer than
 * {@code maxFrameLength} as soon as the prefix is read, before buffering the payload, with a
 * {@link TooLongFrameException}, and overlong (&gt; 9 bytes) or non-minimal prefixes with a
 * {@link CorruptedFrameException}. After such an error the stream cannot be re-synchronised, so the
 * decoder discards everything it receives afterwards; the handler that sees the exception should close the
 * channel.
 */
public class VarintFrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameLength;
    /** Length of the frame whose prefix has been read but whose payload is incomplete, or -1. */
    private int pendingLength = -1;
    private boolean failed;

    public VarintFrameDecoder(int maxFrameLength) {
        if (maxFrameLength < 0) {
            throw new IllegalArgumentException("maxFrameLength must be non-negative: " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
    }

    public int maxFrameLength() {
        return maxFrameLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (pendingLength < 0) {
            long length;
            try {
                length = UnsignedVarint.peek(in);
            } catch (CorruptedFrameException e) {
                fail(in);
                throw e;
            }
            if (length == UnsignedVarint.INCOMPLETE) return;
            if (length > maxFrameLength) {
                fail(in);
                throw new TooLongFrameException(
                        "frame length " + length + " exceeds maxFrameLength " + maxFrameLength);
            }
            in.skipBytes(UnsignedVarint.size(length));
            pendingLength = (int) length;
        }
        if (in.readableBytes() < pendingLength) return;
        out.add(in.readRetainedSlice(pendingLength));
        pendingLength = -1;
    }

    private void fail(ByteBuf in) {
        failed = true;
        in.skipBytes(in.readableBytes());
    }
}
