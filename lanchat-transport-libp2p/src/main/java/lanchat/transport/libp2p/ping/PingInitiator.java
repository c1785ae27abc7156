package lanchat.transport.libp2p.ping;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Sends one 32-byte ping when the stream becomes active and completes {@link #result()} with the round-trip time
 * when the same bytes come back; different bytes or a closed stream fail it. The stream is closed afterwards.
 */
public final class PingInitiator extends ByteToMessageDecoder {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final CompletableFuture<Duration> result = new CompletableFuture<>();
    private final byte[] payload = new byte[PingProtocol.SIZE];
    private long sentAt;

    public PingInitiator() {
        RANDOM.nextBytes(payload);
    }

    public CompletableFuture<Duration> result() {
        return result;
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
        if (sentAt != 0) return;
        sentAt = System.nanoTime();
        ctx.writeAndFlush(Unpooled.wrappedBuffer(payload)).addListener(f -> {
            if (!f.isSuccess()) result.completeExceptionally(f.cause());
        });
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) {
        if (in.readableBytes() < PingProtocol.SIZE || result.isDone()) return;
        long rtt = System.nanoTime() - sentAt;
        byte[] echo = ByteBufUtil.getBytes(in, in.readerIndex(), PingProtocol.SIZE);
        in.skipBytes(in.readableBytes());
        if (java.util.Arrays.equals(echo, payload)) result.complete(Duration.ofNanos(rtt));
        else result.completeExceptionally(new IOException("ping answered with different bytes"));
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        result.completeExceptionally(new IOException("ping stream closed before the echo"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.completeExceptionally(cause);
        ctx.close();
    }
}
