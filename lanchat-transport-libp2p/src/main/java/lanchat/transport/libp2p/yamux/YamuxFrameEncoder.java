package lanchat.transport.libp2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes {@link YamuxFrame}s (layout in {@link YamuxFrame}): the 12-byte header goes out as its own small
 * buffer, followed by the Data payload itself (retained, not copied); the transport gathers both into one
 * write on flush.
 */
@Sharable
public class YamuxFrameEncoder extends MessageToMessageEncoder<YamuxFrame> {
    public YamuxFrameEncoder() {
        super(YamuxFrame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, YamuxFrame frame, List<Object> out) {
        ByteBuf header = ctx.alloc().ioBuffer(YamuxFrame.HEADER_LENGTH);
        header.writeByte(frame.version())
                .writeByte(frame.type().code())
                .writeShort(frame.flags())
                .writeInt(frame.streamId())
                .writeInt((int) frame.length());
        out.add(header);
        ByteBuf data = frame.data();
        if (data != null && data.isReadable()) out.add(data.retain());
    }
}
