package lanchat.transport.libp2p.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Prefixes each outbound {@link ByteBuf} with its length as an unsigned varint; the inverse of
 * {@link VarintFrameDecoder}.
 *
 * <pre>
 * BEFORE ENCODE (5 bytes)         AFTER ENCODE (1 + 5 bytes, as two buffers)
 * +------------------+            +-------------+------------------+
 * | Payload "hello"  |   ----->   | Length 0x05 | Payload "hello"  |
 * +------------------+            +-------------+------------------+
 * </pre>
 *
 * <p>The prefix goes out as its own small buffer followed by the original payload (retained, never copied);
 * the transport gathers both into one write on flush. A payload longer than {@code maxFrameLength} fails
 * the write with an {@link EncoderException} instead of sending a frame the peer would reject.
 */
@Sharable
public class VarintLengthPrepender extends MessageToMessageEncoder<ByteBuf> {
    private final int maxFrameLength;

    /** A prepender without a length limit (the varint can express any int). */
    public VarintLengthPrepender() {
        this(Integer.MAX_VALUE);
    }

    public VarintLengthPrepender(int maxFrameLength) {
        super(ByteBuf.class);
        if (maxFrameLength < 0) {
            throw new IllegalArgumentException("maxFrameLength must be non-negative: " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        int length = msg.readableBytes();
        if (length > maxFrameLength) {
            throw new EncoderException("frame length " + length + " exceeds maxFrameLength " + maxFrameLength);
        }
        ByteBuf prefix = ctx.alloc().ioBuffer(UnsignedVarint.size(length));
        out.add(UnsignedVarint.write(prefix, length));
        if (length > 0) out.add(msg.retain());
    }
}
