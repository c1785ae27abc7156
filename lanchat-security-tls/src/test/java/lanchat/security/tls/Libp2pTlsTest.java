package lanchat.security.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.spi.PeerIdMismatchException;
import lanchat.security.tls.Libp2pTls.Engine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Handshakes over real sockets on 127.0.0.1, on each engine and across them. */
class Libp2pTlsTest {
    private static final List<String> MUXERS = List.of("/yamux/1.0.0");
    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Identity alice = Identity.generate(), bob = Identity.generate();

    @AfterEach
    void close() throws Exception {
        loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
    }

    /** BoringSSL ships for Linux x86-64, where CI runs: there both engines are tested, elsewhere the JDK's. */
    static Stream<Arguments> engines() {
        boolean openssl = OpenSsl.isAvailable();
        if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertTrue(openssl, () -> "BoringSSL did not load: " + OpenSsl.unavailabilityCause());
        }
        return openssl
                ? Stream.of(Arguments.of(Engine.OPENSSL, Engine.OPENSSL), Arguments.of(Engine.JDK, Engine.JDK),
                        Arguments.of(Engine.OPENSSL, Engine.JDK), Arguments.of(Engine.JDK, Engine.OPENSSL))
                : Stream.of(Arguments.of(Engine.JDK, Engine.JDK));
    }

    /** One end of a connection: its handshake outcome, and the first bytes it read after it. */
    private static final class End {
        final CompletableFuture<SslHandler> secured = new CompletableFuture<>();
        final CompletableFuture<String> read = new CompletableFuture<>();
        Channel channel;

        ChannelInitializer<Channel> initializer(Libp2pTls tls, boolean initiator) {
            return new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) throws Exception {
                    channel = ch;
                    ch.pipeline().addLast(tls.newHandler(ch.alloc(), initiator), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof SslHandshakeCompletionEvent done) {
                                if (done.isSuccess()) secured.complete(ctx.pipeline().get(SslHandler.class));
                                else secured.completeExceptionally(done.cause());
                            }
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            read.complete(b.toString(StandardCharsets.UTF_8));
                            b.release();
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            secured.completeExceptionally(new java.io.IOException("closed"));
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            secured.completeExceptionally(cause);
                            ctx.close();
                        }
                    });
                }
            };
        }
    }

    private End[] connect(Libp2pTls server, Libp2pTls client) throws Exception {
        End s = new End(), c = new End();
        Channel listener = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class).childHandler(s.initializer(server, false))
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        new Bootstrap().group(loops).channel(NioSocketChannel.class).handler(c.initializer(client, true)).connect(listener.localAddress()).sync();
        return new End[] {s, c};
    }

    @ParameterizedTest(name = "server {0}, client {1}")
    @MethodSource("engines")
    void bothEndsProveTheirPeerIdsAgreeOnYamuxByAlpnAndCarryData(Engine serverEngine, Engine clientEngine) throws Exception {
        Libp2pTls server = new Libp2pTls(alice, MUXERS, serverEngine, Clock.systemUTC()), client = new Libp2pTls(bob, MUXERS, clientEngine, Clock.systemUTC());
        assertNull(server.engine(), "the contexts were made before the first connection");
        End[] ends = connect(server, client);
        SslHandler s = ends[0].secured.get(10, TimeUnit.SECONDS), c = ends[1].secured.get(10, TimeUnit.SECONDS);
        assertEquals(serverEngine, server.engine());
        assertEquals(bob.peerId(), server.remotePeer(s, null));
        assertEquals(alice.peerId(), client.remotePeer(c, alice.peerId()));
        assertEquals("/yamux/1.0.0", s.applicationProtocol());
        assertEquals("/yamux/1.0.0", c.applicationProtocol());
        assertEquals("TLSv1.3", c.engine().getSession().getProtocol());
        ends[1].channel.writeAndFlush(Unpooled.copiedBuffer("hello alice", StandardCharsets.UTF_8));
        assertEquals("hello alice", ends[0].read.get(10, TimeUnit.SECONDS));
    }

    @ParameterizedTest(name = "server {0}, client {1}")
    @MethodSource("engines")
    void withoutACommonMuxerAlpnSaysLibp2pAndTheMuxerIsNegotiatedLater(Engine serverEngine, Engine clientEngine) throws Exception {
        Libp2pTls server = new Libp2pTls(alice, List.of("/mplex/6.7.0"), serverEngine, Clock.systemUTC()), client = new Libp2pTls(bob, MUXERS, clientEngine, Clock.systemUTC());
        End[] ends = connect(server, client);
        assertEquals(Libp2pTls.ALPN_MULTISTREAM, ends[1].secured.get(10, TimeUnit.SECONDS).applicationProtocol());
        assertEquals(Libp2pTls.ALPN_MULTISTREAM, ends[0].secured.get(10, TimeUnit.SECONDS).applicationProtocol());
    }

    @ParameterizedTest(name = "server {0}, client {1}")
    @MethodSource("engines")
    void aDialerThatReachesAnotherPeerSaysSoWithATypedCause(Engine serverEngine, Engine clientEngine) throws Exception {
        Libp2pTls server = new Libp2pTls(alice, MUXERS, serverEngine, Clock.systemUTC()), client = new Libp2pTls(bob, MUXERS, clientEngine, Clock.systemUTC());
        End[] ends = connect(server, client);
        SslHandler c = ends[1].secured.get(10, TimeUnit.SECONDS);
        PeerId expected = Identity.generate().peerId();
        PeerIdMismatchException e = assertThrows(PeerIdMismatchException.class, () -> client.remotePeer(c, expected));
        assertTrue(e.getMessage().contains(alice.peerId().toString()), e.getMessage());
    }

    /** A peer whose certificate expired (made by a clock a century and a day behind) is refused by either end. */
    @ParameterizedTest(name = "server {0}, client {1}")
    @MethodSource("engines")
    void anExpiredCertificateFailsTheHandshake(Engine serverEngine, Engine clientEngine) throws Exception {
        Clock now = Clock.systemUTC(), past = Clock.fixed(ZonedDateTime.now(ZoneOffset.UTC).minusYears(100).minusDays(1).toInstant(), ZoneOffset.UTC);
        // an expired client: the server refuses it during the handshake, with our reason
        End[] ends = connect(new Libp2pTls(alice, MUXERS, serverEngine, now), new Libp2pTls(bob, MUXERS, clientEngine, now, past));
        ExecutionException e = assertThrows(ExecutionException.class, () -> ends[0].secured.get(10, TimeUnit.SECONDS));
        assertTrue(causes(e).contains("expired"), causes(e));
        // an expired server: the client refuses it
        End[] again = connect(new Libp2pTls(alice, MUXERS, serverEngine, now, past), new Libp2pTls(bob, MUXERS, clientEngine, now));
        ExecutionException e2 = assertThrows(ExecutionException.class, () -> again[1].secured.get(10, TimeUnit.SECONDS));
        assertTrue(causes(e2).contains("expired"), causes(e2));
    }

    private static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) b.append(c).append(" <- ");
        return b.toString();
    }
}
