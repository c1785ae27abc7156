package lanchat.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real sockets on 127.0.0.1. */
class TcpSocketsTest {
    private static final int MAX_MESSAGE = 1 << 20;
    private final PeerId self = Identity.generate().peerId();
    private final TcpSockets tcp = new TcpSockets("test", Duration.ofSeconds(5), MAX_MESSAGE);

    @AfterEach
    void close() {
        tcp.close();
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Completes with each accepted connection once its handlers are in place. */
    private static ChannelHandler accepting(CompletableFuture<Channel> accepted) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                accepted.complete(ch);
            }
        };
    }

    /** A dial whose connection counts as established as soon as it is connected. */
    private CompletableFuture<Channel> dial(Multiaddr address, List<PeerId> expectedSeen) {
        return tcp.<Channel>dial(address, self, (expected, established) -> {
            expectedSeen.add(expected);
            return new ChannelInboundHandlerAdapter() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    established.complete(ctx.channel());
                }
            };
        });
    }

    @Test
    void listenAndDialGiveEveryConnectionTheSameSocketOptions() throws Exception {
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        TcpSockets.Listener listener = await(tcp.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"), self, accepting(accepted)));
        assertEquals(1, listener.addresses().size());
        Multiaddr addr = listener.addresses().get(0);
        int port = ((InetSocketAddress) listener.channel().localAddress()).getPort();
        assertNotEquals(0, port);
        assertEquals(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + port + "/p2p/" + self), addr, "port 0 resolved, /p2p appended");

        PeerId other = Identity.generate().peerId();
        List<PeerId> expectedSeen = new ArrayList<>();
        Channel dialed = await(dial(addr.withoutPeerId().withPeerId(other), expectedSeen));
        assertEquals(List.of(other), expectedSeen, "the handler learns whom the address names");
        Channel acceptedSide = await(accepted);
        WriteBufferWaterMark expected = TcpSockets.waterMark(MAX_MESSAGE);
        for (Channel ch : List.of(dialed, acceptedSide)) {
            assertTrue(ch.isActive());
            assertTrue(ch.config().getOption(ChannelOption.TCP_NODELAY), "TCP_NODELAY on " + ch);
            WriteBufferWaterMark marks = ch.config().getWriteBufferWaterMark();
            assertEquals(expected.low(), marks.low());
            assertEquals(expected.high(), marks.high());
        }
        assertEquals(5000, dialed.config().getConnectTimeoutMillis());
        assertSame(dialed.eventLoop().parent(), acceptedSide.eventLoop().parent(), "one event-loop group per transport");
        dialed.close().syncUninterruptibly();
        listener.channel().close().syncUninterruptibly();
    }

    @Test
    void theWaterMarksLeaveRoomForAFewMaximumSizeMessages() {
        WriteBufferWaterMark m = TcpSockets.waterMark(MAX_MESSAGE);
        assertEquals(256 * 1024, m.low());
        assertEquals(4 * MAX_MESSAGE + 1024 * 1024, m.high());
        assertEquals(Integer.MAX_VALUE, TcpSockets.waterMark(Integer.MAX_VALUE).high(), "no overflow for absurd limits");
    }

    @Test
    void aPortInUseFailsListenWithTheAddressInTheMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Multiaddr bind = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + taken.getLocalPort());
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(tcp.listen(bind, self, new ChannelInboundHandlerAdapter())));
            IOException cause = assertInstanceOf(IOException.class, e.getCause());
            assertTrue(cause.getMessage().startsWith("cannot listen on " + bind + ": "), cause.getMessage());
        }
    }

    @Test
    void onlyPlainTcpAddressesAreListenedOnOrDialed() {
        Multiaddr udp = Multiaddr.parse("/ip4/127.0.0.1/udp/9000");
        assertTrue(TcpSockets.canDial(Multiaddr.parse("/dns4/example.lan/tcp/9000/p2p/" + self)));
        assertFalse(TcpSockets.canDial(udp));
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(tcp.listen(udp, self, new ChannelInboundHandlerAdapter())));
        IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertEquals("test transport listens on /ip4|ip6/…/tcp/… only, not " + udp, cause.getMessage());
        List<PeerId> expectedSeen = new ArrayList<>();
        e = assertThrows(ExecutionException.class, () -> await(dial(udp, expectedSeen)));
        assertEquals("test transport cannot dial " + udp, e.getCause().getMessage());
        assertTrue(expectedSeen.isEmpty(), "no connection was set up");
    }

    @Test
    void aNodeRefusesToDialItself() {
        List<PeerId> expectedSeen = new ArrayList<>();
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(dial(Multiaddr.parse("/ip4/127.0.0.1/tcp/9/p2p/" + self), expectedSeen)));
        assertEquals("refusing to dial ourselves", assertInstanceOf(IllegalArgumentException.class, e.getCause()).getMessage());
        assertTrue(expectedSeen.isEmpty());
    }

    @Test
    void aRefusedConnectionFailsTheDialWithAnIOException() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Multiaddr nobody = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + closedPort);
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(dial(nobody, new ArrayList<>())));
        IOException cause = assertInstanceOf(IOException.class, e.getCause());
        assertTrue(cause.getMessage().contains(String.valueOf(closedPort)), "Netty's message names the address: " + cause.getMessage());
    }

    @Test
    void atMostTwoEventLoopsAndAtLeastOne() {
        assertEquals(1, EventLoops.threads(1));
        assertEquals(2, EventLoops.threads(2));
        assertEquals(2, EventLoops.threads(64));
        assertEquals(1, EventLoops.threads(0));
    }

    @Test
    void theRootCauseIsWhatTheCodecsWrapped() {
        IOException real = new IOException("bad MAC");
        assertSame(real, Failures.rootCause(new DecoderException(new EncoderException(real))));
        CorruptedFrameException noCause = new CorruptedFrameException("frame too short");
        assertSame(noCause, Failures.rootCause(noCause), "a codec exception of its own is the root");
        IllegalStateException other = new IllegalStateException(real);
        assertSame(other, Failures.rootCause(other), "only codec wrappers are unwrapped");
        assertEquals("bad MAC", Failures.describe(real));
        assertEquals("NullPointerException", Failures.describe(new NullPointerException()));
    }
}
