package lanchat.transport.libp2p.identify;

import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import lanchat.transport.libp2p.wire.UnsignedVarint;

/**
 * Answers an identify request (or pushes an update): writes one varint-length-prefixed {@link IdentifyMessage} as
 * soon as the stream is active, then closes the stream. Anything the peer sends is discarded.
 */
public final class IdentifyResponder extends ChannelInboundHandlerAdapter {
    private final Supplier<IdentifyMessage> message;
    private boolean sent;

    /** {@code message} is built when sent, so it reflects the current listen addresses and the observed address. */
    public IdentifyResponder(Supplier<IdentifyMessage> message) {
        this.message = message;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) send(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        send(ctx);
        super.channelActive(ctx);
    }

    private void send(ChannelHandlerContext ctx) {
        if (sent) return;
        sent = true;
        byte[] body = message.get().encode();
        ByteBuf out = ctx.alloc().buffer(UnsignedVarint.size(body.length) + body.length);
        UnsignedVarint.write(out, body.length).writeBytes(body);
        ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }
}
