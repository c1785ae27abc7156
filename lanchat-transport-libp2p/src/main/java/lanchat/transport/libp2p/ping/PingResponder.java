package lanchat.transport.libp2p.ping;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Echoes every complete 32-byte ping on the stream back to the sender, as the spec asks; a peer may send many pings
 * on one stream. A trailing partial ping is simply never answered.
 */
public final class PingResponder extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) {
        boolean wrote = false;
        while (in.readableBytes() >= PingProtocol.SIZE) {
            ctx.write(in.readRetainedSlice(PingProtocol.SIZE));
            wrote = true;
        }
        if (wrote) ctx.flush();
    }
}
