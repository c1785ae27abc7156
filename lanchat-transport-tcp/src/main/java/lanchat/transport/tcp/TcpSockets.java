package lanchat.transport.tcp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.crypto.spi.XSalsa20;
import lanchat.api.spi.ListenAddresses;

/**
 * The TCP side of one transport instance: its event loops, and listening and dialing with the socket options every
 * LAN Chat connection gets.
 *
 * <ul>
 *   <li>{@code TCP_NODELAY}: a chat line is small and wanted now; Nagle would hold it for the previous one's ACK.</li>
 *   <li>write-buffer water marks from {@link #waterMark(int)}: {@code Channel.isWritable()} turns false once a few
 *       maximum-size messages wait for a peer that does not read, so senders can stop instead of queueing without
 *       bound.</li>
 *   <li>a connect timeout, so a dial to a silent address fails in bounded time.</li>
 * </ul>
 *
 * What runs on a connection is the transport's: it passes its {@code ChannelInitializer} to
 * {@link #listen(Multiaddr, PeerId, ChannelHandler)} and {@link #dial(Multiaddr, PeerId, BiFunction)}. Thread-safe.
 */
public final class TcpSockets implements AutoCloseable {
    /** A bound listener: its server channel and the addresses to advertise. */
    public record Listener(Channel channel, List<Multiaddr> addresses) {
        public Listener {
            addresses = List.copyOf(addresses);
        }
    }

    private final String transportName;
    private final EventLoops loops;
    private final int connectTimeoutMillis;
    private final WriteBufferWaterMark waterMark;
    private final PreSharedKey privateNetwork;
    private final XSalsa20 cipher;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param transportName   names the event-loop threads ({@code lanchat-<name>}) and the transport in errors
     * @param connectTimeout  how long a TCP connect may take
     * @param maxMessageBytes the largest message the transport sends, which sizes the water marks
     */
    public TcpSockets(String transportName, Duration connectTimeout, int maxMessageBytes) {
        this(transportName, connectTimeout, maxMessageBytes, null);
    }

    /**
     * @param privateNetwork the room key: every connection is then wrapped in {@link PrivateNetwork}, the first
     *                       handler, below everything the transport's own handler installs; null for none
     */
    public TcpSockets(String transportName, Duration connectTimeout, int maxMessageBytes, PreSharedKey privateNetwork) {
        this.privateNetwork = privateNetwork;
        this.cipher = privateNetwork == null ? null : PrivateNetwork.cipher(); // only with a key: start-up stays as fast
        this.transportName = transportName;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.waterMark = waterMark(maxMessageBytes);
        this.loops = EventLoops.create("lanchat-" + transportName);
    }

    /**
     * Low 256 KiB, high four maximum-size messages plus 1 MiB: a few messages may be in flight before
     * {@code isWritable()} turns false and sends are refused. For connections and for streams within them alike.
     */
    public static WriteBufferWaterMark waterMark(int maxMessageBytes) {
        return new WriteBufferWaterMark(256 * 1024, (int) Math.min(Integer.MAX_VALUE, 4L * maxMessageBytes + 1024 * 1024));
    }

    /** This instance's water marks, {@link #waterMark(int)} of its {@code maxMessageBytes}. */
    public WriteBufferWaterMark waterMark() {
        return waterMark;
    }

    /** The transports here dial and listen on {@code /ip4|ip6|dns…/<host>/tcp/<port>}, optionally with {@code /p2p}. */
    public static boolean canDial(Multiaddr address) {
        return address.isPlainTcp();
    }

    /**
     * Listens on {@code bind}; every accepted connection gets the socket options and {@code childHandler}.
     *
     * @return the listener, whose addresses end in {@code /p2p/<self>} and have port 0 resolved (every interface's
     *         address for a wildcard bind; see {@link ListenAddresses}); or fails with an
     *         {@link IllegalArgumentException} for an address that is not plain TCP, or an {@link IOException} naming
     *         the address when it cannot be bound (port in use, address not ours)
     */
    public CompletableFuture<Listener> listen(Multiaddr bind, PeerId self, ChannelHandler childHandler) {
        if (!canDial(bind)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(transportName + " transport listens on /ip4|ip6/…/tcp/… only, not " + bind));
        }
        InetSocketAddress requested = bind.toTcpSocketAddress();
        CompletableFuture<Listener> result = new CompletableFuture<>();
        new ServerBootstrap().group(loops.group()).channel(loops.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childHandler(withPrivateNetwork(childHandler))
                .bind(requested).addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        result.completeExceptionally(new IOException("cannot listen on " + bind + ": " + Failures.describe(f.cause()), f.cause()));
                        return;
                    }
                    int port = ((InetSocketAddress) f.channel().localAddress()).getPort();
                    result.complete(new Listener(f.channel(), ListenAddresses.of(requested.getAddress(), port, self)));
                });
        return result;
    }

    /**
     * Dials {@code address} for the node {@code self}, refusing before any socket is made what cannot be dialed: an
     * address that is not plain TCP, or one that names {@code self} as its peer.
     *
     * @param initializer builds the new channel's handler from the peer id the address names (null when it names
     *                    none: the handshake then accepts whoever answers) and the future that handler completes
     *                    with the established connection
     * @return that future; it also fails, with an {@link IOException} saying why, when the TCP connection cannot be
     *         made
     */
    public <C> CompletableFuture<C> dial(Multiaddr address, PeerId self, BiFunction<PeerId, CompletableFuture<C>, ChannelHandler> initializer) {
        if (!canDial(address)) return CompletableFuture.failedFuture(new IllegalArgumentException(transportName + " transport cannot dial " + address));
        PeerId expected = address.peerId().orElse(null);
        if (self.equals(expected)) return CompletableFuture.failedFuture(new IllegalArgumentException("refusing to dial ourselves"));
        CompletableFuture<C> established = new CompletableFuture<>();
        new Bootstrap().group(loops.group()).channel(loops.channel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .handler(withPrivateNetwork(initializer.apply(expected, established)))
                .connect(address.toTcpSocketAddress())
                .addListener((ChannelFuture f) -> {
                    // Netty's connect exceptions name the address already
                    if (!f.isSuccess()) established.completeExceptionally(new IOException(Failures.describe(f.cause()), f.cause()));
                });
        return established;
    }

    /** Whether connections are wrapped in a private network (a room key is set). */
    public boolean isPrivate() {
        return privateNetwork != null;
    }

    /** {@code handler}, preceded by {@link PrivateNetwork} when there is a room key. */
    private ChannelHandler withPrivateNetwork(ChannelHandler handler) {
        if (privateNetwork == null) return handler;
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // first, so the nonce leaves before anything the transport writes, and every byte after it is encrypted
                ch.pipeline().addLast(PrivateNetwork.NAME, new PrivateNetwork(privateNetwork, random, cipher));
                ch.pipeline().addLast(handler);
            }
        };
    }

    /**
     * Stops the event loops, waiting at most half a second: the app's shutdown must stay within its 3 s even when a
     * peer ignores our goodbye. Close the channels first; whatever is still open is then closed without ceremony.
     */
    @Override
    public void close() {
        loops.group().shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).awaitUninterruptibly(500, TimeUnit.MILLISECONDS);
    }
}
