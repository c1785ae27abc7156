package lanchat.transport.libp2p.upgrade;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import lanchat.api.PeerId;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;
import lanchat.security.noise.SignedStaticKey;
import lanchat.security.noise.netty.NoiseHandshakeHandler;
import lanchat.transport.libp2p.multistream.MultistreamSelectHandler;
import lanchat.transport.libp2p.multistream.ProtocolSelected;
import lanchat.transport.libp2p.multistream.ProtocolSelectionFailed;
import lanchat.transport.libp2p.yamux.YamuxFrameCodec;
import lanchat.transport.libp2p.yamux.YamuxSession;
import lanchat.transport.tcp.Failures;
import lanchat.transport.tcp.PrivateNetwork;
import lanchat.api.spi.NotInPrivateRoomException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upgrades a raw TCP connection to a secured, multiplexed libp2p connection, in the order of the libp2p
 * connections spec:
 *
 * <pre>
 *  1. multistream-select  → "/noise"          (go offers /tls/1.0.0 first; we answer na)
 *  2. Noise XX            → remote peer id authenticated (checked against the dialed /p2p/ id)
 *  3. multistream-select  → "/yamux/1.0.0"    (inside the encrypted channel; skipped when both Noise payloads
 *                                               listed /yamux/1.0.0: early muxer negotiation)
 *  4. Yamux session       → streams
 * </pre>
 *
 * Each step is a handler that leaves or swaps itself when done; this handler sits last, adds the next step when the
 * previous one reports success, bounds the whole upgrade in time, and hands the result to {@code onUpgraded}. Any
 * failure closes the connection and fails {@link #result()}; the reason is logged once.
 */
public final class ConnectionUpgrader extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionUpgrader.class);
    public static final String YAMUX = "/yamux/1.0.0";

    /** What a finished upgrade yields. */
    public record Upgraded(NoiseResult security, YamuxSession mux) {}

    private enum Stage { SECURITY, MUXER, DONE }

    private final SignedStaticKey staticKey;
    private final boolean initiator;
    private final PeerId expectedRemote;
    private final long timeoutMillis;
    /** Builds the session for the secured peer: the handler for inbound streams is created per connection. */
    private final Function<NoiseResult, YamuxSession> muxFactory;
    private final CompletableFuture<Upgraded> result = new CompletableFuture<>();
    private Stage stage = Stage.SECURITY;
    private NoiseResult security;
    private ScheduledFuture<?> timeout;
    private Throwable failure;

    public ConnectionUpgrader(SignedStaticKey staticKey, boolean initiator, PeerId expectedRemote, long timeoutMillis, Function<NoiseResult, YamuxSession> muxFactory) {
        this.staticKey = staticKey;
        this.initiator = initiator;
        this.expectedRemote = expectedRemote;
        this.timeoutMillis = timeoutMillis;
        this.muxFactory = muxFactory;
    }

    public CompletableFuture<Upgraded> result() {
        return result;
    }

    /** Adds the first step and this handler to a fresh connection. */
    public void install(ChannelPipeline p) {
        p.addLast("security-select", select(NoiseHandshake.PROTOCOL_ID));
        p.addLast("upgrader", this);
    }

    private MultistreamSelectHandler select(String protocol) {
        return initiator ? MultistreamSelectHandler.initiator(List.of(protocol)) : MultistreamSelectHandler.responder(Set.of(protocol));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) armTimeout(ctx); // installed after channelActive: it will not come again
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        armTimeout(ctx);
        super.channelActive(ctx);
    }

    private void armTimeout(ChannelHandlerContext ctx) {
        if (timeout != null || stage == Stage.DONE || failure != null) return;
        timeout = ctx.executor().schedule(() -> fail(ctx, new IOException("libp2p handshake timed out after " + timeoutMillis + " ms")),
                timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ProtocolSelected selected && stage == Stage.SECURITY) {
            // yamux offered in the Noise payload: early muxer negotiation (below)
            NoiseHandshake handshake = NoiseHandshake.of(initiator, staticKey, expectedRemote, List.of(YAMUX));
            ctx.pipeline().addBefore(ctx.name(), "noise", new NoiseHandshakeHandler(handshake));
        } else if (evt instanceof NoiseResult r && stage == Stage.SECURITY) {
            security = r;
            if (r.remoteMuxers().contains(YAMUX)) {
                // early muxer negotiation: both sides listed yamux in their Noise handshake payloads, so both skip
                // step 3 and save a round trip (go-libp2p and js-libp2p do the same)
                installMux(ctx);
            } else {
                stage = Stage.MUXER;
                ctx.pipeline().addBefore(ctx.name(), "muxer-select", select(YAMUX));
            }
        } else if (evt instanceof ProtocolSelected selected && stage == Stage.MUXER) {
            installMux(ctx);
        } else if (evt instanceof ProtocolSelectionFailed failed) {
            fail(ctx, failed.cause());
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    private void installMux(ChannelHandlerContext ctx) {
        YamuxSession mux;
        try {
            mux = muxFactory.apply(security); // may refuse the peer (e.g. it has as many connections as it may)
        } catch (java.io.UncheckedIOException refused) {
            fail(ctx, refused.getCause());
            return;
        }
        stage = Stage.DONE;
        if (timeout != null) timeout.cancel(false);
        ctx.pipeline().addBefore(ctx.name(), "yamux-codec", new YamuxFrameCodec());
        ctx.pipeline().addBefore(ctx.name(), "yamux", mux);
        ctx.pipeline().remove(this);
        result.complete(new Upgraded(security, mux));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, failure != null ? failure : new IOException("connection closed during the libp2p handshake"));
        super.channelInactive(ctx);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (timeout != null) timeout.cancel(false);
        Throwable root = Failures.rootCause(cause);
        if (failure == null) {
            Object remote = ctx.channel().remoteAddress();
            failure = PrivateNetwork.explain(ctx.channel(), String.valueOf(remote), root);
            if (failure instanceof NotInPrivateRoomException) log.warn("{} " + NotInPrivateRoomException.OUTCOME, remote);
            else log.warn("libp2p handshake with {} failed: {}", remote, Failures.describe(root));
        }
        result.completeExceptionally(failure);
        ctx.close();
    }
}
