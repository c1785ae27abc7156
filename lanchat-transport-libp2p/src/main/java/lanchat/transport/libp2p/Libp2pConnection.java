package lanchat.transport.libp2p;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.concurrent.Future;
import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.SessionListener;
import lanchat.transport.libp2p.chat.ChatLineDecoder;
import lanchat.transport.libp2p.chat.ChatLineEncoder;
import lanchat.transport.libp2p.chat.ChatProtocol;
import lanchat.transport.libp2p.identify.IdentifyMessage;
import lanchat.transport.libp2p.identify.IdentifyProtocol;
import lanchat.transport.libp2p.identify.IdentifyReader;
import lanchat.transport.libp2p.identify.IdentifyResponder;
import lanchat.transport.libp2p.multistream.MultistreamSelectHandler;
import lanchat.transport.libp2p.nick.NickProtocol;
import lanchat.transport.libp2p.multistream.ProtocolSelected;
import lanchat.transport.libp2p.ping.PingInitiator;
import lanchat.transport.libp2p.ping.PingProtocol;
import lanchat.transport.libp2p.ping.PingResponder;
import lanchat.transport.libp2p.wire.VarintFrameDecoder;
import lanchat.transport.libp2p.yamux.YamuxSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One secured, multiplexed libp2p connection, presented as a {@link ChatSession}.
 *
 * <p>Chat travels on {@code /chat/1.1.0} (or {@code /chat/1.0.0}) streams as newline-terminated lines, exactly as
 * go-libp2p's chat examples write them. The dialer opens a chat stream at once (a go listener waits for one); we send
 * on the first chat stream we have, opened by either side, and read every chat stream the peer opens. Identify and
 * ping are answered on their own streams.
 *
 * <p>Reading of chat streams is paused until the app sets a listener, so nothing accepted is dropped. All mutable
 * state is touched on the connection's event loop.
 */
final class Libp2pConnection implements ChatSession {
    private static final Logger log = LoggerFactory.getLogger(Libp2pConnection.class);
    static final Set<String> SUPPORTED = Set.of(ChatProtocol.V1_1, ChatProtocol.V1_0, IdentifyProtocol.ID, IdentifyProtocol.PUSH, PingProtocol.ID, NickProtocol.ID);

    private final Libp2pTransport transport;
    private final Channel channel;
    private final PeerId remote;
    private final Direction direction;
    private final String connectionId;
    private YamuxSession mux;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Chat streams opened by either side; we send on the first. Event loop only. */
    private final List<Channel> chatStreams = new ArrayList<>();
    private CompletableFuture<Channel> sendStream;
    /** Messages not yet written, in the order send() was called, and their size; event loop only. */
    private final java.util.ArrayDeque<Outgoing> outbox = new java.util.ArrayDeque<>();
    private long outboxBytes;
    /** True while the outbox waits for a step (a nick stream, a chat stream) before its head can go. */
    private boolean outboxWaiting;
    /** close() was called: the outbox takes nothing new and the connection closes once it is empty. */
    private boolean closeRequested;
    private final List<Consumer<SessionListener>> early = new ArrayList<>();
    private volatile SessionListener listener;
    private volatile IdentifyMessage remoteIdentify;
    private volatile boolean goingAway;
    /** The nick the peer last told us ({@link NickProtocol}); event loop only. */
    private String remoteNick;
    /** The nick we last told the peer, and whether it speaks the nick protocol at all; event loop only. */
    private String sentNick;
    private boolean nickUnsupported;
    /**
     * How long one ping stream serves: go-libp2p closes an inbound ping stream idle for 10 s (any after 30 s) and
     * js-libp2p any ping stream 10 s after it opened, so ours retire well before either.
     */
    static final Duration PING_STREAM_LIFETIME = Duration.ofSeconds(5);
    /** The ping stream in use, if any; event loop only. */
    private CompletableFuture<PingInitiator> pingStream;

    Libp2pConnection(Libp2pTransport transport, Channel channel, PeerId remote, Direction direction, byte[] handshakeHash) {
        this.transport = transport;
        this.channel = channel;
        this.remote = remote;
        this.direction = direction;
        this.connectionId = HexFormat.of().formatHex(handshakeHash);
    }

    /** Called once the muxer is in place (on the event loop). */
    void start(YamuxSession mux) {
        this.mux = mux;
        if (direction == Direction.OUTBOUND) sendStream(); // a go listener waits for our chat stream
        requestIdentify();
    }

    /** The handler every stream the peer opens starts with: negotiate, then install the protocol. */
    ChannelHandler inboundStreams() {
        return new InboundStreams();
    }

    @ChannelHandler.Sharable
    private final class InboundStreams extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel stream) {
            stream.pipeline().addLast(MultistreamSelectHandler.responder(SUPPORTED));
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                    if (evt instanceof ProtocolSelected p) {
                        ctx.pipeline().remove(this);
                        installResponder(stream, p.protocol());
                    }
                    super.userEventTriggered(ctx, evt);
                }
            });
        }
    }

    private void installResponder(Channel stream, String protocol) {
        switch (protocol) {
            case ChatProtocol.V1_1, ChatProtocol.V1_0 -> addChatStream(stream);
            case IdentifyProtocol.ID -> stream.pipeline().addLast(new IdentifyResponder(this::identifyMessage));
            case IdentifyProtocol.PUSH -> {
                IdentifyReader reader = new IdentifyReader();
                stream.pipeline().addLast(new VarintFrameDecoder(IdentifyProtocol.MAX_MESSAGE), reader);
                reader.result().thenAccept(m -> remoteIdentify = m);
            }
            case PingProtocol.ID -> stream.pipeline().addLast(new PingResponder());
            case NickProtocol.ID -> stream.pipeline().addLast(new VarintFrameDecoder(NickProtocol.MAX_BYTES), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    io.netty.buffer.ByteBuf frame = (io.netty.buffer.ByteBuf) msg;
                    try {
                        NickProtocol.decode(frame).ifPresent(n -> remoteNick = n);
                    } finally {
                        frame.release();
                    }
                    ctx.close();
                }

                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) ctx.close(); // ended without a nick
                    ctx.fireUserEventTriggered(evt);
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close(); // an oversized frame: drop the stream, not just the frame, or it stays open for good
                }
            });
            default -> stream.close();
        }
    }

    private void addChatStream(Channel stream) {
        stream.pipeline().addLast(new ChatLineDecoder(transport.settings().maxMessageBytes()), new ChatLineEncoder(), new ChatStreamReader());
        // Netty's default (64 KiB high) would make one line larger than the peer's yamux window (256 KiB) turn the
        // stream unwritable until the peer has taken all of it, and send() refuses every message typed meanwhile
        stream.config().setWriteBufferWaterMark(transport.waterMark());
        chatStreams.add(stream);
        if (listener == null) stream.config().setAutoRead(false);
        if (sendStream == null) sendStream = CompletableFuture.completedFuture(stream);
        stream.closeFuture().addListener(f -> {
            chatStreams.remove(stream);
            if (sendStream != null && sendStream.getNow(null) == stream) {
                sendStream = null;
                drain(); // what still waits goes on another stream
            }
        });
    }

    private final class ChatStreamReader extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof String line) {
                ChatMessage m = new ChatMessage(java.util.Optional.ofNullable(remoteNick), line);
                emit(l -> l.onMessage(Libp2pConnection.this, m));
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) drain();
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) ctx.close(); // the peer is done with this stream
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
                // only that line is lost: the decoder resumes after its end. Closing the stream would also lose the lines
                // the peer sends before it learns of the close (and go's chat example never opens another stream)
                log.warn("dropping a chat line from {}: {}", remote, cause.getMessage());
                return;
            }
            log.warn("closing chat stream with {}: {}", remote, cause.getMessage());
            ctx.close(); // a bad stream costs that stream, not the connection
        }
    }

    /** The stream we send on, opening one when there is none. Event loop only. */
    private CompletableFuture<Channel> sendStream() {
        if (sendStream != null) return sendStream;
        CompletableFuture<Channel> f = new CompletableFuture<>();
        sendStream = f;
        openStream(ChatProtocol.PROPOSALS).whenComplete((s, err) -> {
            if (err != null) {
                if (sendStream == f) sendStream = null;
                f.completeExceptionally(err);
            } else {
                addChatStream(s);
                f.complete(s);
            }
        });
        return f;
    }

    /** Opens a stream and negotiates one of {@code protocols}; completes with the stream once agreed. */
    CompletableFuture<Channel> openStream(List<String> protocols) {
        CompletableFuture<Channel> agreed = new CompletableFuture<>();
        Future<Channel> opened = mux.openStream(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                MultistreamSelectHandler select = MultistreamSelectHandler.initiator(protocols);
                stream.pipeline().addLast(select);
                select.selection().addListener(s -> {
                    if (s.isSuccess()) agreed.complete(stream);
                    else agreed.completeExceptionally(s.cause());
                });
            }
        });
        opened.addListener(o -> {
            if (!o.isSuccess()) agreed.completeExceptionally(o.cause());
        });
        return agreed;
    }

    private void requestIdentify() {
        openStream(List.of(IdentifyProtocol.ID)).thenAccept(stream -> {
            IdentifyReader reader = new IdentifyReader();
            stream.pipeline().addLast(new VarintFrameDecoder(IdentifyProtocol.MAX_MESSAGE), reader);
            reader.result().whenComplete((m, err) -> {
                if (m != null) remoteIdentify = m;
                else log.debug("identify of {} failed: {}", remote, err.getMessage());
            });
        }).exceptionally(err -> {
            log.debug("{} does not answer identify: {}", remote, err.getMessage());
            return null;
        });
    }

    private IdentifyMessage identifyMessage() {
        return new IdentifyMessage(java.util.Optional.of(IdentifyMessage.PROTOCOL_VERSION), java.util.Optional.of(transport.settings().agentVersion()),
                java.util.Optional.of(transport.identity().publicKey().encode()), transport.listenAddrs(),
                java.util.Optional.of(Multiaddr.tcp((InetSocketAddress) channel.remoteAddress())), List.copyOf(SUPPORTED).stream().sorted().toList());
    }

    /** Streams open on this connection now, either side's (tests, diagnostics); waits for the event loop. */
    int openStreams() throws Exception {
        return channel.eventLoop().submit(() -> mux == null ? 0 : mux.streamCount()).get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** What the peer said of itself in identify, once known. */
    IdentifyMessage remoteIdentify() {
        return remoteIdentify;
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
        Outgoing out = new Outgoing(message.nick().orElse(null), lines);
        // tasks run on the event loop in the order they were submitted, so the outbox sees sends in call order
        channel.eventLoop().execute(() -> enqueue(out));
        return out.done;
    }

    /** A message waiting in the {@link #outbox}: its wire lines and the nick it carries. */
    private static final class Outgoing {
        final String nick;
        final List<byte[]> lines;
        final long bytes;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Outgoing(String nick, List<byte[]> lines) {
            this.nick = nick;
            this.lines = lines;
            this.bytes = lines.stream().mapToLong(l -> l.length).sum();
        }
    }

    private void enqueue(Outgoing out) {
        if (!channel.isActive() || closeRequested) { // not isOpen(): a close() called after this send waits for it
            out.done.completeExceptionally(new IOException("session to " + remote + " is closed"));
            return;
        }
        if (outboxBytes + out.bytes > maxOutboxBytes()) {
            out.done.completeExceptionally(new IOException("peer " + remote.shortString() + " is not reading; send buffer full"));
            return;
        }
        outbox.add(out);
        outboxBytes += out.bytes;
        drain();
    }

    /** At most this much text waits for the peer (besides what the chat stream's own buffer holds). */
    private long maxOutboxBytes() {
        return 4L * transport.settings().maxMessageBytes();
    }

    /**
     * Writes queued messages, strictly first in, first out. Whatever a message needs first (our nick told to the peer,
     * a chat stream negotiated, room in the stream's buffer) is waited for with the whole queue behind it, so the
     * order never depends on which future completes first. Event loop only.
     */
    private void drain() {
        if (outboxWaiting) return; // the step in progress calls drain() again when it is done
        boolean wrote = false;
        Channel stream = null;
        while (!outbox.isEmpty()) {
            Outgoing head = outbox.peek();
            if (nickToAnnounce(head.nick)) {
                waitFor(announceNick(head.nick), wrote ? stream : null);
                return;
            }
            CompletableFuture<Channel> s = sendStream();
            if (!s.isDone()) {
                waitFor(s, wrote ? stream : null);
                return;
            }
            if (s.isCompletedExceptionally()) {
                Throwable err = s.handle((x, e) -> e).join();
                failOutbox(new IOException("cannot open a chat stream to " + remote.shortString() + ": " + err.getMessage(), err));
                return;
            }
            Channel current = s.join();
            if (current != stream && wrote) stream.flush();
            stream = current;
            if (!stream.isWritable()) break; // ChatStreamWriter.channelWritabilityChanged drains again
            outbox.poll();
            outboxBytes -= head.bytes;
            write(stream, head);
            wrote = true;
        }
        if (wrote) stream.flush();
        if (closeRequested && outbox.isEmpty()) channel.close();
    }

    private void write(Channel stream, Outgoing m) {
        for (byte[] line : m.lines.subList(0, m.lines.size() - 1)) stream.write(Unpooled.wrappedBuffer(line), stream.voidPromise());
        stream.write(Unpooled.wrappedBuffer(m.lines.get(m.lines.size() - 1))).addListener(w -> {
            if (w.isSuccess()) m.done.complete(null);
            else m.done.completeExceptionally(w.cause());
        });
    }

    /** Parks the outbox until {@code step} completes (flushing what was written before), then drains again. */
    private void waitFor(CompletableFuture<?> step, Channel flushFirst) {
        if (flushFirst != null) flushFirst.flush();
        outboxWaiting = true;
        step.whenComplete((x, e) -> channel.eventLoop().execute(() -> {
            outboxWaiting = false;
            drain();
        }));
    }

    private void failOutbox(Throwable cause) {
        Outgoing m;
        while ((m = outbox.poll()) != null) m.done.completeExceptionally(cause);
        outboxBytes = 0;
    }

    /** Whether the peer must be told {@code nick} before a message that carries it. Event loop only. */
    private boolean nickToAnnounce(String nick) {
        if (nick == null || nick.equals(sentNick) || nickUnsupported) return false;
        IdentifyMessage id = remoteIdentify;
        if (id != null && !id.protocols().contains(NickProtocol.ID)) {
            nickUnsupported = true;
            return false;
        }
        return true;
    }

    /**
     * Tells the peer our nick on its own stream; completes once it is written (or the peer turned the protocol down:
     * then it is never asked again), so the chat line that follows is read after it. Event loop only.
     */
    private CompletableFuture<Void> announceNick(String nick) {
        sentNick = nick;
        CompletableFuture<Void> written = new CompletableFuture<>();
        openStream(List.of(NickProtocol.ID)).whenComplete((stream, err) -> {
            if (err != null) {
                nickUnsupported = true; // "na", most likely: a go or js peer
                written.complete(null);
                return;
            }
            stream.writeAndFlush(NickProtocol.encode(stream.alloc(), nick)).addListener(w -> {
                stream.close();
                written.complete(null);
            });
        });
        return written;
    }

    @Override
    public CompletionStage<Duration> ping() {
        if (!isOpen()) return CompletableFuture.failedFuture(new IOException("session to " + remote + " is closed"));
        CompletableFuture<Duration> rtt = new CompletableFuture<>();
        channel.eventLoop().execute(() -> pingStream().thenCompose(PingInitiator::ping).whenComplete((d, e) -> {
            if (e != null) rtt.completeExceptionally(e instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : e);
            else rtt.complete(d);
        }));
        return rtt;
    }

    /**
     * The ping stream, opened on the first ping and used by the pings of the next {@link #PING_STREAM_LIFETIME}, then
     * retired (the next ping opens another). Event loop only.
     */
    private CompletableFuture<PingInitiator> pingStream() {
        if (pingStream != null) return pingStream;
        CompletableFuture<PingInitiator> f = new CompletableFuture<>();
        pingStream = f;
        openStream(List.of(PingProtocol.ID)).whenComplete((stream, err) -> {
            if (err != null) {
                if (pingStream == f) pingStream = null;
                f.completeExceptionally(err);
                return;
            }
            PingInitiator pinger = new PingInitiator();
            stream.pipeline().addLast(pinger);
            stream.closeFuture().addListener(c -> {
                if (pingStream == f) pingStream = null;
            });
            stream.eventLoop().schedule(() -> {
                if (pingStream == f) pingStream = null;
                pinger.retire(PING_STREAM_LIFETIME);
            }, PING_STREAM_LIFETIME.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            f.complete(pinger);
        });
        return f;
    }

    @Override
    public void setListener(SessionListener l) {
        channel.eventLoop().execute(() -> {
            listener = l;
            early.forEach(this::deliver);
            early.clear();
            for (Channel s : chatStreams) {
                s.config().setAutoRead(true);
                s.read();
            }
        });
    }

    /**
     * How long a close waits for messages sent before it to be written; a peer that stopped reading does not hold
     * the connection open longer than this.
     */
    static final Duration CLOSE_FLUSH_GRACE = Duration.ofSeconds(1);

    @Override
    public CompletionStage<Void> close() {
        goingAway = true;
        // through the event loop, behind the sends called before: they are written first (bounded by the grace)
        channel.eventLoop().execute(() -> {
            closeRequested = true;
            if (outbox.isEmpty()) {
                channel.close(); // the yamux session sends Go Away (normal) before the socket closes
            } else {
                channel.eventLoop().schedule(() -> { channel.close(); }, CLOSE_FLUSH_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        });
        return closed;
    }

    /** True once we started closing it ourselves. */
    boolean isClosing() {
        return goingAway;
    }

    /** The connection is gone (event loop). {@code cause} null: an orderly close by either side. */
    void onClosed(Throwable cause) {
        failOutbox(new IOException("session to " + remote + " closed"));
        emit(l -> l.onClosed(this, cause));
        closed.complete(null);
    }

    private void emit(Consumer<SessionListener> event) {
        if (listener == null) early.add(event);
        else deliver(event);
    }

    private void deliver(Consumer<SessionListener> event) {
        SessionListener l = listener;
        transport.callbacks().execute(() -> event.accept(l));
    }

    @Override
    public String toString() {
        return "Libp2pConnection[" + remote.shortString() + " " + direction + "]";
    }
}
