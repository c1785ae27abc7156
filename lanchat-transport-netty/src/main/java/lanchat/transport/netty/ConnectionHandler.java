package lanchat.transport.netty;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import lanchat.api.resource.ResourceLimitException;
import lanchat.api.resource.ResourceManager.ConnectionScope;
import lanchat.api.spi.Direction;
import lanchat.transport.tcp.ConnectionAccounts;
import lanchat.security.noise.NoiseResult;
import lanchat.transport.tcp.Failures;
import lanchat.transport.tcp.PrivateNetwork;
import lanchat.api.spi.NotInPrivateRoomException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every connection: it bounds the handshake in time, turns the Noise result into a
 * {@link NettyChatSession}, keeps the connection alive, and is the one place where a connection's errors end up
 * (logged with the reason, then the connection is closed; other connections are untouched).
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private final NettyTransport transport;
    private final Direction direction;
    /** Completed with the session (dials) or handed to the inbound handler (accepts). */
    private final CompletableFuture<NettyChatSession> established;
    private final Consumer<NettyChatSession> onEstablished;
    private ScheduledFuture<?> handshakeTimeout;
    private NettyChatSession session;
    private Throwable failure;
    private volatile io.netty.channel.Channel ctxChannel;

    ConnectionHandler(NettyTransport transport, Direction direction, CompletableFuture<NettyChatSession> established,
                      Consumer<NettyChatSession> onEstablished) {
        this.transport = transport;
        this.direction = direction;
        this.established = established;
        this.onEstablished = onEstablished;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctxChannel = ctx.channel();
        long ms = transport.settings().handshakeTimeout().toMillis();
        handshakeTimeout = ctx.executor().schedule(() -> {
            failure = new IOException("handshake timed out after " + ms + " ms");
            ctx.close();
        }, ms, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof NoiseResult r) {
            handshakeTimeout.cancel(false);
            ConnectionScope account = ctx.channel().attr(ConnectionAccounts.ACCOUNT).get();
            if (account != null) {
                try {
                    ConnectionAccounts.secured(account, r.remotePeer());
                } catch (ResourceLimitException refused) {
                    failure = refused;
                    log.warn("refused a connection of {}: {}", r.remotePeer(), refused.getMessage());
                    ctx.close();
                    return;
                }
            }
            NettyTransport.Settings s = transport.settings();
            ctx.pipeline().addFirst("keepalive", new IdleStateHandler(s.idleTimeout().toMillis(), s.keepaliveInterval().toMillis(), 0, TimeUnit.MILLISECONDS));
            session = new NettyChatSession(ctx.channel(), r.remotePeer(), direction, r.handshakeHash(), transport.callbacks(), s.maxMessageBytes(),
                    transport.protocols());
            log.debug("secured {} connection with {} at {}", direction, r.remotePeer(), ctx.channel().remoteAddress());
            established.complete(session);
            onEstablished.accept(session);
        } else if (evt instanceof IdleStateEvent idle && session != null) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                // keepalive; its pong is ignored. Not for a peer that does not read what is already queued: pointless
                if (ctx.channel().isWritable()) ctx.writeAndFlush(new ChatFrame.Ping(0));
            } else if (idle.state() == IdleState.READER_IDLE) {
                failure = new IOException("peer silent for " + transport.settings().idleTimeout().toSeconds() + " s");
                ctx.close();
            }
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (session != null && ctx.channel().isWritable()) session.drain();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ChatFrame f && session != null) session.onFrame(f);
        else io.netty.util.ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        boolean first = failure == null; // the first error says why; what follows is fallout
        if (first) failure = session != null ? Failures.rootCause(cause) : inHandshake(ctx, Failures.rootCause(cause));
        ctx.close(); // after recording why: channelInactive, which reports it, may run within this call
        if (!first || failure instanceof NotInPrivateRoomException) return;
        String peer = session != null ? session.remotePeer().toString() : String.valueOf(ctx.channel().remoteAddress());
        log.warn("closing connection with {}: {}", peer, Failures.describe(failure));
    }

    /** A failure before the handshake completed; in a private room, reported once in plain words (see PrivateNetwork). */
    private Throwable inHandshake(ChannelHandlerContext ctx, Throwable why) {
        Object remote = ctx.channel().remoteAddress();
        Throwable explained = PrivateNetwork.explain(ctx.channel(), String.valueOf(remote), why);
        if (explained instanceof NotInPrivateRoomException && !(why instanceof NotInPrivateRoomException)) {
            log.warn("{} " + NotInPrivateRoomException.OUTCOME, remote);
        }
        return explained;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (handshakeTimeout != null) handshakeTimeout.cancel(false);
        if (session != null) {
            session.onClosed(failure);
        } else {
            if (failure == null) failure = inHandshake(ctx, new IOException("connection closed during the handshake"));
            else if (!(failure instanceof NotInPrivateRoomException)) failure = inHandshake(ctx, failure); // timed out
            established.completeExceptionally(failure);
        }
        super.channelInactive(ctx);
    }

    /** Says goodbye to an established peer; just closes a connection still in its handshake. */
    void closeGracefully() {
        if (session != null) session.close();
        else if (ctxChannel != null) ctxChannel.close();
    }
}
