package lanchat.transport.libp2p.identify;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;

/**
 * Reads the identify messages of one stream (requested with {@code /ipfs/id/1.0.0}, or pushed with
 * {@code /ipfs/id/push/1.0.0}) and completes {@link #result()} with their merge when the peer closes its side.
 * Sits behind a {@code VarintFrameDecoder(IdentifyProtocol.MAX_MESSAGE)}; more than
 * {@link IdentifyProtocol#MAX_MESSAGES} messages or a malformed one fail the stream.
 */
public final class IdentifyReader extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<IdentifyMessage> result = new CompletableFuture<>();
    private IdentifyMessage merged = IdentifyMessage.EMPTY;
    private int count;

    public CompletableFuture<IdentifyMessage> result() {
        return result;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (++count > IdentifyProtocol.MAX_MESSAGES) throw new IllegalArgumentException("more than " + IdentifyProtocol.MAX_MESSAGES + " identify messages");
            merged = merged.merge(ByteBufUtil.getBytes(frame));
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(new IOException("bad identify message: " + e.getMessage()));
            ctx.close();
        } finally {
            frame.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) finish(ctx);
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        finish(ctx);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.completeExceptionally(cause);
        ctx.close();
    }

    private void finish(ChannelHandlerContext ctx) {
        if (count == 0) result.completeExceptionally(new IOException("identify stream closed without a message"));
        else result.complete(merged);
        if (ctx.channel().isOpen()) ctx.close();
    }
}
