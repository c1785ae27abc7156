package lanchat.transport.libp2p;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.concurrent.Future;
import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.resource.ResourceManager.ConnectionScope;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.SessionListener;
import lanchat.transport.libp2p.channel.ChannelService;
import lanchat.transport.libp2p.chat.ChatLineEncoder;
import lanchat.transport.libp2p.chat.ChatService;
import lanchat.transport.libp2p.multistream.MultistreamSelectHandler;
import lanchat.transport.libp2p.multistream.ProtocolSelected;
import lanchat.transport.libp2p.multistream.ProtocolsRefusedException;
import lanchat.transport.libp2p.ping.PingService;
import lanchat.transport.libp2p.yamux.YamuxSession;

/**
 * One secured, multiplexed libp2p connection, presented to the app as a {@link ChatSession} and to the protocols as a
 * {@link ConnectionContext}. It owns no protocol itself: every stream the peer opens is negotiated against the
 * transport's {@link ProtocolRegistry} (with each protocol's inbound stream limit) and handed to that protocol's
 * per-connection handler; the {@code ChatSession} methods delegate to the chat, ping and app-channel protocols.
 *
 * <p>Session events wait until the app sets a listener, so nothing accepted is lost. All mutable state is touched on
 * the connection's event loop.
 */
final class Libp2pConnection implements ChatSession, ConnectionContext {
    /**
     * How long a close waits for messages sent before it to be written; a peer that stopped reading does not hold
     * the connection open longer than this.
     */
    static final Duration CLOSE_FLUSH_GRACE = Duration.ofSeconds(1);

    private final Libp2pTransport transport;
    /** This connection's account in the node's resource manager (closed by the transport with the channel). */
    private final ConnectionScope resources;
    private final Channel channel;
    private final PeerId remote;
    private final Direction direction;
    private final String connectionId;
    private YamuxSession mux;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Each registered protocol's handler for this connection, in registration order; set in start(). */
    private final Map<StreamProtocol, StreamProtocol.Handler> handlers = new LinkedHashMap<>();
    /** Streams the peer has open per protocol, for the protocols' inbound limits; event loop only. */
    private final Map<StreamProtocol, Integer> inboundStreams = new HashMap<>();
    private final List<Consumer<SessionListener>> early = new ArrayList<>();
    private volatile SessionListener listener;
    private volatile boolean goingAway;

    Libp2pConnection(Libp2pTransport transport, Channel channel, PeerId remote, Direction direction, byte[] handshakeHash, ConnectionScope resources) {
        this.transport = transport;
        this.resources = resources;
        this.channel = channel;
        this.remote = remote;
        this.direction = direction;
        this.connectionId = HexFormat.of().formatHex(handshakeHash);
    }

    /** Called once the muxer is in place (on the event loop): attaches every protocol, then starts them. */
    void start(YamuxSession mux) {
        this.mux = mux;
        for (StreamProtocol p : transport.registry().protocols()) handlers.put(p, p.attach(this));
        handlers.values().forEach(StreamProtocol.Handler::started);
    }

    /** The handler every stream the peer opens starts with: negotiate against the registry, then hand it over. */
    ChannelHandler inboundStreams() {
        return new InboundStreams();
    }

    @ChannelHandler.Sharable
    private final class InboundStreams extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel stream) {
            ProtocolRegistry registry = transport.registry();
            stream.pipeline().addLast(MultistreamSelectHandler.responder(id -> registry.find(id).filter(this::hasRoom).isPresent(), registry.ids(),
                    MultistreamSelectHandler.DEFAULT_MAX_MESSAGE_LENGTH, MultistreamSelectHandler.DEFAULT_MAX_ROUNDS));
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                    if (evt instanceof ProtocolSelected p) {
                        ctx.pipeline().remove(this);
                        accept(stream, p.protocol());
                    }
                    super.userEventTriggered(ctx, evt);
                }
            });
        }

        /** Whether the peer may open one more stream of {@code p}: over the limit it gets "na", as if we did not speak it. */
        private boolean hasRoom(StreamProtocol p) {
            return inboundStreams.getOrDefault(p, 0) < p.maxInboundStreams();
        }
    }

    private void accept(Channel stream, String protocolId) {
        StreamProtocol p = transport.registry().find(protocolId).orElse(null);
        StreamProtocol.Handler h = p == null ? null : handlers.get(p);
        if (h == null) { // cannot happen: the responder accepts registered ids only, and handlers exist from start()
            stream.close();
            return;
        }
        transport.knownProtocols().agreed(remote, protocolId); // a peer that opens a protocol's stream speaks it
        inboundStreams.merge(p, 1, Integer::sum);
        stream.closeFuture().addListener(f -> inboundStreams.merge(p, -1, Integer::sum));
        h.inbound(stream, protocolId);
    }

    // ---- ConnectionContext ----

    @Override
    public CompletableFuture<Channel> openStream(List<String> protocols) {
        CompletableFuture<Channel> agreed = new CompletableFuture<>();
        Future<Channel> opened = mux.openStream(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                MultistreamSelectHandler select = MultistreamSelectHandler.initiator(protocols);
                stream.pipeline().addLast(select);
                select.selection().addListener(s -> {
                    if (s.isSuccess()) {
                        transport.knownProtocols().agreed(remote, (String) s.getNow());
                        agreed.complete(stream);
                    } else {
                        agreed.completeExceptionally(s.cause());
                    }
                });
            }
        });
        opened.addListener(o -> {
            if (!o.isSuccess()) agreed.completeExceptionally(o.cause());
        });
        return agreed;
    }

    @Override
    public CompletableFuture<Proposal> propose(String protocol) {
        CompletableFuture<Void> agreed = new CompletableFuture<>();
        CompletableFuture<Proposal> proposed = new CompletableFuture<>();
        // the yamux stream exists (and the header and proposal are written) as soon as openStream returns: no round trip
        Future<Channel> opened = mux.openStream(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                MultistreamSelectHandler select = MultistreamSelectHandler.initiator(List.of(protocol));
                stream.pipeline().addLast(select);
                select.selection().addListener(s -> {
                    if (s.isSuccess()) {
                        transport.knownProtocols().agreed(remote, protocol);
                        agreed.complete(null);
                    } else {
                        if (s.cause() instanceof ProtocolsRefusedException) transport.knownProtocols().refused(remote, protocol);
                        agreed.completeExceptionally(s.cause());
                    }
                });
            }
        });
        opened.addListener(o -> {
            if (o.isSuccess()) proposed.complete(new Proposal((Channel) o.getNow(), agreed));
            else proposed.completeExceptionally(o.cause());
        });
        return proposed;
    }

    @Override
    public <T extends StreamProtocol.Handler> T handler(Class<T> type) {
        for (StreamProtocol.Handler h : handlers.values()) {
            if (type.isInstance(h)) return type.cast(h);
        }
        throw new IllegalStateException("no " + type.getSimpleName() + " registered");
    }

    @Override
    public Channel channel() { return channel; }

    @Override
    public ChatSession session() { return this; }

    @Override
    public Host host() { return transport; }

    @Override
    public void emit(Consumer<SessionListener> event) {
        if (listener == null) early.add(event);
        else deliver(event);
    }

    private void deliver(Consumer<SessionListener> event) {
        SessionListener l = listener;
        transport.callbacks().execute(() -> event.accept(l));
    }

    /** Streams open on this connection now, either side's (tests, diagnostics); waits for the event loop. */
    int openStreams() throws Exception {
        return channel.eventLoop().submit(() -> mux == null ? 0 : mux.streamCount()).get(5, TimeUnit.SECONDS);
    }

    // ---- ChatSession ----

    @Override
    public PeerId remotePeer() { return remote; }

    @Override
    public Multiaddr remoteAddress() { return Multiaddr.tcp((InetSocketAddress) channel.remoteAddress()); }

    @Override
    public Direction direction() { return direction; }

    @Override
    public String transport() { return Libp2pTransportProvider.NAME; }

    @Override
    public String connectionId() { return connectionId; }

    @Override
    public boolean isOpen() { return channel.isActive() && !goingAway; }

    @Override
    public CompletionStage<Void> send(ChatMessage message) {
        List<byte[]> lines; // encoded here, on the caller's thread, not on the event loop
        try {
            lines = ChatLineEncoder.wireLines(message.text(), transport.settings().maxMessageBytes());
        } catch (IllegalArgumentException tooLong) {
            return CompletableFuture.failedFuture(tooLong);
        }
        if (!isOpen()) return CompletableFuture.failedFuture(new IOException("session to " + remote + " is closed"));
        if (lines.isEmpty()) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> done = new CompletableFuture<>();
        // tasks run on the event loop in the order they were submitted, so the chat outbox sees sends in call order
        channel.eventLoop().execute(() -> handler(ChatService.PerConnection.class).enqueue(message.nick().orElse(null), lines, done));
        return done;
    }

    @Override
    public CompletionStage<Duration> ping() {
        if (!isOpen()) return CompletableFuture.failedFuture(new IOException("session to " + remote + " is closed"));
        CompletableFuture<Duration> rtt = new CompletableFuture<>();
        channel.eventLoop().execute(() -> handler(PingService.PerConnection.class).ping().whenComplete((d, e) -> {
            if (e != null) rtt.completeExceptionally(e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e);
            else rtt.complete(d);
        }));
        return rtt;
    }

    @Override
    public CompletionStage<ProtocolChannel> openChannel(String protocolId) {
        StreamProtocol p = transport.registry().find(protocolId).orElse(null);
        if (!(p instanceof ChannelService)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(protocolId + " is not registered with this transport"));
        }
        if (!isOpen()) return CompletableFuture.failedFuture(new IOException("session to " + remote + " is closed"));
        CompletableFuture<ProtocolChannel> result = new CompletableFuture<>();
        channel.eventLoop().execute(() -> ((ChannelService.PerConnection) handlers.get(p)).open().whenComplete((ch, e) -> {
            if (e != null) result.completeExceptionally(e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e);
            else result.complete(ch);
        }));
        return result;
    }

    @Override
    public void setListener(SessionListener l) {
        resources.admit(); // the app took the session: its streams may now buffer up to the full connection limit
        channel.eventLoop().execute(() -> {
            listener = l;
            early.forEach(this::deliver);
            early.clear();
            if (mux != null) handler(ChatService.PerConnection.class).startReading();
        });
    }

    @Override
    public CompletionStage<Void> close() {
        goingAway = true;
        // through the event loop, behind the sends called before: they are written first (bounded by the grace)
        channel.eventLoop().execute(() -> {
            if (mux == null) {
                channel.close();
                return;
            }
            channel.eventLoop().schedule(() -> { channel.close(); }, CLOSE_FLUSH_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            // the yamux session sends Go Away (normal) before the socket closes
            handler(ChatService.PerConnection.class).closeAfterDrain(channel::close);
        });
        return closed;
    }

    /** True once we started closing it ourselves. */
    boolean isClosing() {
        return goingAway;
    }

    /** The connection is gone (event loop). {@code cause} null: an orderly close by either side. */
    void onClosed(Throwable cause) {
        handlers.values().forEach(h -> h.closed(cause));
        emit(l -> l.onClosed(this, cause));
        closed.complete(null);
    }

    @Override
    public String toString() {
        return "Libp2pConnection[" + remote.shortString() + " " + direction + "]";
    }
}
