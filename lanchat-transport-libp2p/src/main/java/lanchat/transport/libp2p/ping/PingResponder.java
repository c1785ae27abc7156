package lanchat.transport.libp2p.ping;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
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

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        super.userEventTriggered(ctx, evt);
        // the initiator is done (it half-closes after the echo): close our side too, or the half-closed stream stays
        // open until the connection ends and every ping uses up one of the peer's inbound streams for good
        if (evt instanceof ChannelInputShutdownEvent) ctx.close();
    }
}
