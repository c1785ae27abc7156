package lanchat.transport.libp2p;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import lanchat.api.Identity;
import lanchat.security.noise.SignedStaticKey;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import io.netty.util.AttributeKey;
import lanchat.api.spi.ProtocolHandler;
import lanchat.transport.libp2p.channel.ChannelService;
import lanchat.transport.libp2p.chat.ChatService;
import lanchat.transport.libp2p.identify.IdentifyService;
import lanchat.transport.libp2p.nick.NickService;
import lanchat.transport.libp2p.ping.PingService;
import lanchat.security.tls.Libp2pTls;
import lanchat.transport.libp2p.upgrade.ConnectionUpgrader;
import lanchat.transport.libp2p.yamux.GoAwayReceived;
import lanchat.transport.libp2p.yamux.QueueBudget;
import lanchat.transport.libp2p.yamux.StreamBudget;
import lanchat.transport.libp2p.yamux.YamuxConfig;
import lanchat.transport.libp2p.yamux.YamuxSession;
import lanchat.transport.tcp.Failures;
import lanchat.transport.tcp.ConnectionAccounts;
import lanchat.transport.tcp.TcpSockets;
import lanchat.api.resource.ResourceLimitException;
import lanchat.api.resource.ResourceManager;
import lanchat.api.resource.ResourceManager.ConnectionScope;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The libp2p transport: TCP connections upgraded by {@link ConnectionUpgrader} (multistream-select, Noise, Yamux),
 * each presented as a {@link Libp2pConnection}.
 */
final class Libp2pTransport implements Transport, Host {
    private static final Logger log = LoggerFactory.getLogger(Libp2pTransport.class);
    /** The connection a secured TCP channel carries, set when the Noise handshake is done. */
    private static final AttributeKey<Libp2pConnection> CONNECTION = AttributeKey.valueOf(Libp2pConnection.class, "connection");

    private final Identity identity;
    private final Supplier<SignedStaticKey> staticKey;
    /** libp2p TLS; makes its certificate and contexts at the first TLS connection, not here */
    private final Libp2pTls tls;
    private final Executor callbacks;
    private final ResourceManager resources;
    /**
     * Yamux as go-libp2p runs it, with the queue bound kept above what a slow but honest reader may have waiting (the
     * connection's high water mark, which grows with maxMessageBytes).
     */
    private final YamuxConfig yamuxConfig;
    private final Settings settings;
    private final TcpSockets tcp;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<Multiaddr> listenAddrs = new CopyOnWriteArrayList<>();
    private volatile Consumer<ChatSession> inbound = ChatSession::close;
    /** Every protocol spoken on streams: the built-in ones, then the app's channels. */
    private final ProtocolRegistry registry = new ProtocolRegistry()
            .register(new IdentifyService())
            .register(new PingService())
            .register(new NickService())
            .register(new ChatService());
    /** What peers we met speak (ours only, the last 256 peers): lets a chat stream skip its negotiation's round trip. */
    private final KnownProtocols knownProtocols = new KnownProtocols(id -> registry.find(id).isPresent());
    private volatile boolean closed;

    Libp2pTransport(TransportConfig config) {
        this.identity = config.identity();
        this.staticKey = SignedStaticKey.lazy(identity);
        this.tls = Libp2pTls.of(identity, List.of(ConnectionUpgrader.YAMUX));
        this.callbacks = config.callbacks();
        this.resources = config.resources();
        this.settings = Settings.from(config);
        this.tcp = new TcpSockets(Libp2pTransportProvider.NAME, settings.handshakeTimeout(), settings.maxMessageBytes(), config.privateNetwork());
        this.yamuxConfig = YamuxConfig.defaults().withMaxQueuedOutboundBytes(Math.max(8L << 20, 2L * waterMark().high()));
    }

    @Override
    public Identity identity() { return identity; }

    @Override
    public Settings settings() { return settings; }

    @Override
    public Executor callbacks() { return callbacks; }

    @Override
    public List<Multiaddr> listenAddrs() {
        return listenAddrs.stream().map(Multiaddr::withoutPeerId).toList();
    }

    @Override
    public List<String> protocolIds() {
        return registry.ids();
    }

    ProtocolRegistry registry() {
        return registry;
    }

    @Override
    public void registerProtocol(ProtocolHandler handler) {
        registry.register(new ChannelService(handler));
    }

    @Override
    public KnownProtocols knownProtocols() {
        return knownProtocols;
    }

    @Override
    public String name() { return Libp2pTransportProvider.NAME; }

    @Override
    public boolean canDial(Multiaddr address) {
        return TcpSockets.canDial(address);
    }

    @Override
    public void onInbound(Consumer<ChatSession> handler) {
        this.inbound = handler;
    }

    @Override
    public CompletionStage<List<Multiaddr>> listen(Multiaddr bind) {
        registry.freeze();
        return tcp.listen(bind, identity.peerId(), initializer(Direction.INBOUND, null, null, new CompletableFuture<>())).thenApply(l -> {
            channels.add(l.channel());
            listenAddrs.addAll(l.addresses());
            return l.addresses();
        });
    }

    @Override
    public CompletionStage<ChatSession> dial(Multiaddr address) {
        if (closed) return CompletableFuture.failedFuture(new IOException("transport is closed"));
        registry.freeze();
        return tcp.<Libp2pConnection>dial(address, identity.peerId(),
                        (expected, established) -> initializer(Direction.OUTBOUND, expected, address.toTcpSocketAddress(), established))
                .thenApply(c -> (ChatSession) c);
    }

    /** For the TCP connections and for chat streams: a few maximum-size messages may be in flight before sends are refused. */
    @Override
    public WriteBufferWaterMark waterMark() {
        return tcp.waterMark();
    }

    /**
     * Set up every connection. Its account in the resource manager is kept as {@link ConnectionAccounts} says: opened
     * before a byte is read, moved to the peer's scope once Noise proved the peer, and every yamux stream reserves its
     * receive window there ({@link StreamBudget}), and what the window grows by only from spare memory ({@code
     * StreamScope.reserveSpareMemory}).
     *
     * @param target the dialed address (outbound), null for inbound connections (their remote address is known)
     */
    private ChannelInitializer<SocketChannel> initializer(Direction direction, PeerId expected, InetSocketAddress target, CompletableFuture<Libp2pConnection> established) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (closed) {
                    ch.close();
                    return;
                }
                ConnectionScope scope;
                try {
                    scope = ConnectionAccounts.open(resources, ch, direction, target);
                } catch (ResourceLimitException e) {
                    log.warn("refused {}: {}", direction == Direction.INBOUND ? "an inbound connection from " + ch.remoteAddress() : "to dial " + target, e.getMessage());
                    established.completeExceptionally(e);
                    ch.close();
                    return;
                }
                channels.add(ch);
                ConnectionUpgrader upgrader = new ConnectionUpgrader(staticKey.get(), settings.tls() ? tls : null, direction == Direction.OUTBOUND, expected, settings.handshakeTimeout().toMillis(),
                        security -> {
                            try {
                                ConnectionAccounts.secured(scope, security.remotePeer());
                            } catch (ResourceLimitException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            Libp2pConnection c = new Libp2pConnection(Libp2pTransport.this, ch, security.remotePeer(), direction, security.connectionId(), scope);
                            ch.attr(CONNECTION).set(c);
                            return new YamuxSession(direction == Direction.OUTBOUND, c.inboundStreams(), yamuxConfig,
                                    (inbound, bytes) -> ConnectionAccounts.openStream(scope, inbound ? Direction.INBOUND : Direction.OUTBOUND, bytes)
                                            .map(stream -> new StreamBudget.Reservation() { // a window grows only into spare memory
                                                @Override
                                                public boolean grow(long more) {
                                                    return stream.reserveSpareMemory(more);
                                                }

                                                @Override
                                                public void release() {
                                                    stream.close();
                                                }
                                            }),
                                    new QueueBudget() { // what a peer that does not read makes us queue: its peer's and the node's memory
                                        @Override
                                        public boolean reserve(long bytes) {
                                            return scope.reserveQueued(bytes);
                                        }

                                        @Override
                                        public void release(long bytes) {
                                            scope.releaseMemory(bytes);
                                        }
                                    });
                        });
                upgrader.install(ch.pipeline());
                ch.pipeline().addLast("connection", new ConnectionWatcher());
                upgrader.result().whenComplete((up, err) -> {
                    if (err != null) {
                        established.completeExceptionally(err);
                        return;
                    }
                    Libp2pConnection c = ch.attr(CONNECTION).get();
                    ch.pipeline().get(ConnectionWatcher.class).connection = c;
                    ch.pipeline().addFirst("keepalive", new IdleStateHandler(settings.idleTimeout().toMillis(), settings.keepaliveInterval().toMillis(), 0, TimeUnit.MILLISECONDS));
                    c.start(up.mux());
                    log.debug("libp2p {} connection with {} at {}", direction, c.remotePeer(), ch.remoteAddress());
                    established.complete(c);
                    if (direction == Direction.INBOUND) {
                        try {
                            callbacks.execute(() -> inbound.accept(c));
                        } catch (RejectedExecutionException full) {
                            log.warn("closing a connection from {}: the node is not keeping up with its events", c.remotePeer());
                            ch.close();
                        }
                    }
                });
            }
        };
    }

    /** The last handler of an upgraded connection: keepalive, close reporting, and the place errors end. */
    private final class ConnectionWatcher extends ChannelInboundHandlerAdapter {
        Libp2pConnection connection;
        private boolean orderly;
        private Throwable failure;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof GoAwayReceived g) {
                orderly = g.code() == 0;
                if (orderly) ctx.close(); // the peer is leaving; we do not keep half a session
            } else if (evt instanceof IdleStateEvent idle && connection != null) {
                YamuxSession mux = ctx.pipeline().get(YamuxSession.class);
                if (idle.state() == IdleState.WRITER_IDLE && mux != null) {
                    mux.ping(); // its answer is read traffic, which keeps the reader-idle timer quiet
                } else if (idle.state() == IdleState.READER_IDLE) {
                    failure = new IOException("peer silent for " + settings.idleTimeout().toSeconds() + " s");
                    ctx.close();
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = Failures.rootCause(cause);
            if (failure == null) {
                failure = root;
                log.warn("closing libp2p connection with {}: {}", connection != null ? connection.remotePeer() : ctx.channel().remoteAddress(), Failures.describe(root));
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            // a plain end of stream counts as orderly: go-libp2p resets its sockets on close (linger 0), so its Go Away
            // may never be read; a silent or broken peer is reported through `failure`
            if (connection != null) connection.onClosed(orderly || connection.isClosing() ? null : failure);
            super.channelInactive(ctx);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        // yamux sends Go Away before each socket closes; bounded so that the app's shutdown stays within 3 s
        channels.close().awaitUninterruptibly(500, TimeUnit.MILLISECONDS);
        tcp.close();
    }
}
