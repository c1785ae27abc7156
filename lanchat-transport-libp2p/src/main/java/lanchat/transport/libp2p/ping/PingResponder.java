package lanchat.transport.libp2p.ping;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Echoes every complete 32-byte ping on the stream back to the sender, as the spec asks; a peer may send many pings
 * on one stream. A trailing partial ping is simply never answered.
 *
 * <p>Echoes go out only while the stream is writable. When it is not (the peer stops granting window, or stops
 * reading the connection), the responder stops reading: what the peer sends then waits in the stream, uncredited, so
 * the peer's own window closes instead of echoes piling up here. It reads again once the stream is writable. So one
 * stream holds at most a receive window of unread pings plus about the stream's write high water mark of unsent
 * echoes; how many ping streams a peer may have open is {@code PingService}'s limit.
 */
public final class PingResponder extends ChannelInboundHandlerAdapter {
    /** Received and not yet echoed: part of one ping, or what arrived while the stream was not writable. */
    private ByteBuf unanswered;

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (unanswered != null) {
            unanswered.release();
            unanswered = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        unanswered = unanswered == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), unanswered, in);
        echo(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        echo(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    /** Echoes every whole ping received if the stream is writable, and reads on only while it (still) is. */
    private void echo(ChannelHandlerContext ctx) {
        if (unanswered != null && ctx.channel().isWritable()) {
            int whole = unanswered.readableBytes() / PingProtocol.SIZE * PingProtocol.SIZE;
            ByteBuf echoes = whole > 0 ? unanswered.readRetainedSlice(whole) : null;
            if (!unanswered.isReadable()) {
                unanswered.release();
                unanswered = null;
            }
            // written last: writing fires writability events, which come back here
            if (echoes != null) ctx.writeAndFlush(echoes);
        }
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        super.userEventTriggered(ctx, evt);
        // the initiator is done (it half-closes after the echo): close our side too, or the half-closed stream stays
        // open until the connection ends and every ping uses up one of the peer's inbound streams for good
        if (evt instanceof ChannelInputShutdownEvent) ctx.close();
    }
}
