package lanchat.transport.libp2p.upgrade;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import lanchat.api.PeerId;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;
import lanchat.security.noise.SignedStaticKey;
import lanchat.security.noise.netty.NoiseHandshakeHandler;
import lanchat.security.tls.Libp2pTls;
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
 *  1. multistream-select  → "/tls/1.0.0" or "/noise"   (a dialer offers TLS first and Noise second, as go does;
 *                                                        a listener takes either)
 *  2. TLS 1.3 or Noise XX → remote peer id authenticated (checked against the dialed /p2p/ id)
 *  3. multistream-select  → "/yamux/1.0.0"    (inside the secured channel; skipped when both ends agreed on
 *                                               /yamux/1.0.0 during step 2, by ALPN (TLS) or in the Noise
 *                                               payloads: early muxer negotiation)
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
    public record Upgraded(Secured security, YamuxSession mux) {}

    /**
     * What step 2 established, whichever protocol ran it.
     *
     * @param protocol     {@link Libp2pTls#PROTOCOL_ID} or {@link NoiseHandshake#PROTOCOL_ID}
     * @param connectionId the same bytes on both ends, different for every connection: Noise's handshake hash; for
     *                     TLS (whose engines export nothing of the kind) a hash of the dialer's and the listener's
     *                     socket addresses, which both ends see alike on a LAN (no address translation)
     */
    public record Secured(PeerId remotePeer, String protocol, byte[] connectionId) {}

    private enum Stage { SECURITY, MUXER, DONE }

    private final SignedStaticKey staticKey;
    /** null: Noise only */
    private final Libp2pTls tls;
    private final boolean initiator;
    private final PeerId expectedRemote;
    private final long timeoutMillis;
    /** Builds the session for the secured peer: the handler for inbound streams is created per connection. */
    private final Function<Secured, YamuxSession> muxFactory;
    private final CompletableFuture<Upgraded> result = new CompletableFuture<>();
    private Stage stage = Stage.SECURITY;
    private Secured security;
    private ScheduledFuture<?> timeout;
    private Throwable failure;

    /** Noise only. */
    public ConnectionUpgrader(SignedStaticKey staticKey, boolean initiator, PeerId expectedRemote, long timeoutMillis, Function<Secured, YamuxSession> muxFactory) {
        this(staticKey, null, initiator, expectedRemote, timeoutMillis, muxFactory);
    }

    /** @param tls TLS first, Noise second; null for Noise only */
    public ConnectionUpgrader(SignedStaticKey staticKey, Libp2pTls tls, boolean initiator, PeerId expectedRemote, long timeoutMillis, Function<Secured, YamuxSession> muxFactory) {
        this.staticKey = staticKey;
        this.tls = tls;
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
        p.addLast("security-select", tls == null ? select(NoiseHandshake.PROTOCOL_ID) : select(Libp2pTls.PROTOCOL_ID, NoiseHandshake.PROTOCOL_ID));
        p.addLast("upgrader", this);
    }

    /** The dialer proposes in this order (one more round trip to Noise when the listener has no TLS); a listener takes any. */
    private MultistreamSelectHandler select(String... protocols) {
        return initiator ? MultistreamSelectHandler.initiator(List.of(protocols)) : MultistreamSelectHandler.responder(Set.of(protocols));
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
            if (selected.protocol().equals(Libp2pTls.PROTOCOL_ID)) {
                // the client starts its handshake as soon as the handler is added (the channel is active)
                ctx.pipeline().addBefore(ctx.name(), "tls", tls.newHandler(ctx.alloc(), initiator));
                return;
            }
            // yamux offered in the Noise payload: early muxer negotiation (below)
            NoiseHandshake handshake = NoiseHandshake.of(initiator, staticKey, expectedRemote, List.of(YAMUX));
            ctx.pipeline().addBefore(ctx.name(), "noise", new NoiseHandshakeHandler(handshake));
        } else if (evt instanceof SslHandshakeCompletionEvent done && stage == Stage.SECURITY) {
            if (!done.isSuccess()) {
                fail(ctx, done.cause());
                return;
            }
            // A dialer's SslHandler has written its last flight (certificate, Finished) but flushes it only once this
            // event and everything it starts (the connection, its first streams) has run: send it now, so the
            // listener verifies it while we set up our side (issue 16: it leaves about 0.3 ms sooner)
            ctx.flush();
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            security = new Secured(tls.remotePeer(ssl, expectedRemote), Libp2pTls.PROTOCOL_ID, tcpConnectionId(ctx));
            if (YAMUX.equals(ssl.applicationProtocol())) {
                installMux(ctx); // agreed by ALPN: early muxer negotiation
            } else {
                // "libp2p" or no ALPN at all: multistream-select, as the spec says
                stage = Stage.MUXER;
                ctx.pipeline().addBefore(ctx.name(), "muxer-select", select(YAMUX));
            }
        } else if (evt instanceof NoiseResult r && stage == Stage.SECURITY) {
            security = new Secured(r.remotePeer(), NoiseHandshake.PROTOCOL_ID, r.handshakeHash());
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

    /** See {@link Secured#connectionId()}: dialer's address, then listener's, as both ends see them. */
    private byte[] tcpConnectionId(ChannelHandlerContext ctx) {
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress(), remote = (InetSocketAddress) ctx.channel().remoteAddress();
        String tuple = initiator ? text(local) + "|" + text(remote) : text(remote) + "|" + text(local);
        try {
            return MessageDigest.getInstance("SHA-256").digest((Libp2pTls.PROTOCOL_ID + "|" + tuple).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /**
     * Without a host name (the two ends may know one for an address or not) and without an IPv6 scope id: it names the
     * local interface ({@code fe80::1%eth0} at one end, {@code %wlan0} at the other), so the ends would not agree.
     * The raw address bytes carry neither.
     */
    static String text(InetSocketAddress a) {
        return java.util.HexFormat.of().formatHex(a.getAddress().getAddress()) + ":" + a.getPort();
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
