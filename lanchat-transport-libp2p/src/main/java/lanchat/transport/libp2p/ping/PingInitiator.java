package lanchat.transport.libp2p.ping;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * The dialer's side of one ping stream, for many pings (the spec lets a dialer repeat pings on one stream, and asks
 * it to keep at most one ping stream per peer): each {@link #ping()} writes 32 fresh random bytes and completes with
 * the round-trip time when the same bytes come back. Pings may overlap; the responder echoes in order, so echoes are
 * matched first in, first out. Bytes that match no waiting ping fail the stream; a closed stream fails every ping
 * still waiting. {@link #ping()} and {@link #retire} run on the stream's event loop.
 */
public final class PingInitiator extends ByteToMessageDecoder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Waiting(byte[] payload, long sentAt, CompletableFuture<Duration> rtt) {}

    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean retired;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Sends one ping; fails at once when the stream is closed or retired. */
    public CompletableFuture<Duration> ping() {
        CompletableFuture<Duration> rtt = new CompletableFuture<>();
        if (ctx == null || retired || !ctx.channel().isActive()) {
            rtt.completeExceptionally(new IOException("ping stream is closed"));
            return rtt;
        }
        byte[] payload = new byte[PingProtocol.SIZE];
        RANDOM.nextBytes(payload);
        waiting.add(new Waiting(payload, System.nanoTime(), rtt));
        ctx.writeAndFlush(Unpooled.wrappedBuffer(payload)).addListener(f -> {
            if (!f.isSuccess()) failAll(f.cause());
        });
        return rtt;
    }

    /**
     * Takes no more pings and closes the stream once every waiting ping has its echo (at once when none waits), or
     * after {@code grace} at the latest, failing pings a silent peer never answered: a retired stream is gone by then.
     */
    public void retire(Duration grace) {
        retired = true;
        if (ctx == null) return;
        if (waiting.isEmpty()) ctx.close();
        else ctx.executor().schedule(() -> ctx.close(), grace.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) {
        while (in.readableBytes() >= PingProtocol.SIZE) {
            long now = System.nanoTime();
            byte[] echo = ByteBufUtil.getBytes(in, in.readerIndex(), PingProtocol.SIZE);
            in.skipBytes(PingProtocol.SIZE);
            Waiting w = waiting.poll();
            if (w == null || !Arrays.equals(echo, w.payload)) {
                IOException bad = new IOException(w == null ? "ping echo with no ping waiting for it" : "ping answered with different bytes");
                if (w != null) w.rtt.completeExceptionally(bad);
                failAll(bad);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            w.rtt.complete(Duration.ofNanos(now - w.sentAt));
        }
        if (retired && waiting.isEmpty()) ctx.close();
    }

    private void failAll(Throwable cause) {
        for (Waiting w; (w = waiting.poll()) != null; ) w.rtt.completeExceptionally(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx); // decodes what is left first: an echo may have come with the close
        failAll(new IOException("ping stream closed before the echo"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failAll(cause);
        ctx.close();
    }
}
