package lanchat.transport.netty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import lanchat.security.noise.NoiseCipher;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.SignedStaticKey;
import lanchat.security.noise.netty.NoiseCipherCodec;
import lanchat.security.noise.netty.NoiseHandshakeHandler;
import lanchat.transport.tcp.ConnectionAccounts;
import lanchat.transport.tcp.TcpSockets;
import lanchat.api.resource.ResourceLimitException;
import lanchat.api.resource.ResourceManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The netty transport. Pipeline of every connection, from the socket up:
 *
 * <pre>
 * hello            fixed multistream-compatible preamble; removes itself      ({@link Hello})
 * noise-frame-*    2-byte length frames, max 65535 (added by the next one)    (LengthFieldBasedFrameDecoder / Prepender)
 * noise            XX handshake, then swapped for the cipher                  ({@link NoiseHandshakeHandler} → {@link NoiseCipherCodec})
 *                  (AES-256-GCM when both ends offer it in the handshake payload, else ChaChaPoly: {@link Settings})
 * frames           4-byte length frames, max = chat message or channel chunk  (AccountedFrameDecoder: reserved first)
 * chat-codec       frame bytes ↔ {@link ChatFrame}                           ({@link ChatFrameCodec})
 * connection       handshake timeout, keepalive, session, errors             ({@link ConnectionHandler})
 * </pre>
 *
 * The session ({@link NettyChatSession}) carries chat frames itself and protocol channels through its
 * {@link ChannelMux}, with the protocols registered here ({@link ProtocolRegistry}, frozen once the transport
 * listens or dials).
 */
final class NettyTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);
    /** The transport cipher when the transport's options do not say (the app passes none): {@code -Dlanchat.netty.cipher=chachapoly}. */
    static final String CIPHER_PROPERTY = "lanchat.netty.cipher";

    /**
     * Tunables, from {@link TransportConfig#options()}.
     *
     * @param transportCipher the Noise transport cipher offered besides ChaChaPoly: option {@code cipher}, else the JVM
     *                        property {@value #CIPHER_PROPERTY}: {@code aesgcm} (the default: AES-256-GCM with peers
     *                        that offer it too, ChaChaPoly with older ones) or {@code chachapoly} (offer nothing, as
     *                        builds before it did: for comparing, and for tests that stand in an older peer)
     */
    record Settings(Duration handshakeTimeout, Duration keepaliveInterval, Duration idleTimeout, int maxMessageBytes, NoiseCipher transportCipher) {
        static Settings from(TransportConfig c) {
            String cipher = c.options().getOrDefault("cipher", System.getProperty(CIPHER_PROPERTY, "aesgcm"));
            NoiseCipher transportCipher = switch (cipher) {
                case "aesgcm" -> NoiseCipher.AES_GCM;
                case "chachapoly" -> NoiseCipher.CHACHA_POLY;
                default -> throw new IllegalArgumentException("the netty transport's cipher must be aesgcm or chachapoly, not " + cipher);
            };
            return new Settings(Duration.ofMillis(c.intOption("handshakeTimeoutMs", 10_000)),
                    Duration.ofMillis(c.intOption("keepaliveMs", 10_000)),
                    Duration.ofMillis(c.intOption("idleTimeoutMs", 30_000)),
                    c.intOption("maxMessageBytes", 1 << 20),
                    transportCipher);
        }
    }

    /** Frame bytes besides the text: type, nick length and a nick of up to 4 UTF-8 bytes per character. */
    private static final int FRAME_OVERHEAD = 2 + 4 * lanchat.api.ChatMessage.MAX_NICK;

    private final Identity identity;
    private final Supplier<SignedStaticKey> staticKey;
    private final Executor callbacks;
    private final ResourceManager resources;
    private final Settings settings;
    private final TcpSockets tcp;
    private final ChannelGroup channels;
    private final Set<Channel> servers = ConcurrentHashMap.newKeySet();
    private final ProtocolRegistry protocols = new ProtocolRegistry();
    private volatile Consumer<ChatSession> inbound = s -> s.close();
    private volatile boolean closed;

    NettyTransport(TransportConfig config) {
        this.identity = config.identity();
        this.staticKey = SignedStaticKey.lazy(identity);
        this.callbacks = config.callbacks();
        this.resources = config.resources();
        this.settings = Settings.from(config);
        this.tcp = new TcpSockets(NettyTransportProvider.NAME, settings.handshakeTimeout(), settings.maxMessageBytes(), config.privateNetwork());
        this.channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    }

    Settings settings() { return settings; }

    Executor callbacks() { return callbacks; }

    ProtocolRegistry protocols() { return protocols; }

    @Override
    public String name() { return NettyTransportProvider.NAME; }

    @Override
    public boolean canDial(Multiaddr address) {
        return TcpSockets.canDial(address);
    }

    @Override
    public void registerProtocol(ProtocolHandler handler) {
        protocols.register(handler);
    }

    @Override
    public void onInbound(Consumer<ChatSession> handler) {
        this.inbound = handler;
    }

    @Override
    public CompletionStage<List<Multiaddr>> listen(Multiaddr bind) {
        protocols.freeze();
        return tcp.listen(bind, identity.peerId(), initializer(Direction.INBOUND, null, null, new CompletableFuture<>())).thenApply(l -> {
            servers.add(l.channel());
            channels.add(l.channel());
            return l.addresses();
        });
    }

    @Override
    public CompletionStage<ChatSession> dial(Multiaddr address) {
        if (closed) return CompletableFuture.failedFuture(new IOException("transport is closed"));
        protocols.freeze();
        return tcp.<NettyChatSession>dial(address, identity.peerId(), (expected, established) -> initializer(Direction.OUTBOUND, expected, address.toTcpSocketAddress(), established))
                .thenApply(s -> (ChatSession) s);
    }

    /**
     * Sets up every connection; its account in the resource manager is kept as {@link ConnectionAccounts} says (opened
     * here before a byte is read, moved to the peer's scope by {@link ConnectionHandler} once Noise proved the peer,
     * a reservation per protocol channel by {@link ChannelMux}).
     *
     * @param target the dialed address (outbound), null for accepted connections
     */
    private ChannelInitializer<SocketChannel> initializer(Direction direction, PeerId expected, InetSocketAddress target, CompletableFuture<NettyChatSession> established) {
        boolean initiator = direction == Direction.OUTBOUND;
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (closed) {
                    ch.close();
                    return;
                }
                try {
                    ConnectionAccounts.open(resources, ch, direction, target);
                } catch (ResourceLimitException e) {
                    log.warn("refused {}: {}", initiator ? "to dial " + target : "an inbound connection from " + ch.remoteAddress(), e.getMessage());
                    established.completeExceptionally(e);
                    ch.close();
                    return;
                }
                channels.add(ch);
                CompletableFuture<NettyChatSession> done = initiator ? established : new CompletableFuture<>();
                Consumer<NettyChatSession> deliver = initiator ? s -> { } : s -> {
                    try {
                        callbacks.execute(() -> inbound.accept(s));
                    } catch (RejectedExecutionException full) {
                        log.warn("closing a connection from {}: the node is not keeping up with its events", s.remotePeer());
                        ch.close();
                    }
                };
                ChannelPipeline p = ch.pipeline();
                p.addLast("hello", new Hello());
                // no muxers offered in the Noise payload: this transport has its own channel multiplexer; AES-256-GCM
                // offered for transport messages (lanchat-security-noise's extension; the hello stays byte for byte)
                p.addLast("noise", new NoiseHandshakeHandler(NoiseHandshake.of(initiator, staticKey.get(), expected, List.of(), settings.transportCipher())));
                p.addLast("frames", new AccountedFrameDecoder(Math.max(settings.maxMessageBytes() + FRAME_OVERHEAD, ChannelFrames.MAX_FRAME) + 4,
                        ch.attr(ConnectionAccounts.ACCOUNT).get()));
                p.addLast("chat-codec", new ChatFrameCodec());
                p.addLast("connection", new ConnectionHandler(NettyTransport.this, direction, done, deliver));
            }
        };
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        servers.forEach(Channel::close);
        // tell every peer we are leaving, then give the writes a moment to reach the wire
        for (Channel ch : channels) {
            ConnectionHandler h = ch.pipeline().get(ConnectionHandler.class);
            if (h != null) h.closeGracefully();
        }
        // bounded: the app's shutdown must finish within 3 s even when a peer ignores our goodbye
        channels.newCloseFuture().awaitUninterruptibly(500, TimeUnit.MILLISECONDS);
        channels.close().awaitUninterruptibly(300, TimeUnit.MILLISECONDS);
        tcp.close();
    }
}
