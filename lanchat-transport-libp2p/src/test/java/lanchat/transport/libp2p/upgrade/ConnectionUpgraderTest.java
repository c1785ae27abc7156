package lanchat.transport.libp2p.upgrade;

import static lanchat.api.internal.Bytes.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.security.noise.NoiseException;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.SignedStaticKey;
import lanchat.security.noise.netty.NoiseCipherCodec;
import lanchat.security.noise.netty.NoiseHandshakeHandler;
import lanchat.security.tls.Libp2pTls;
import lanchat.transport.libp2p.Wire;
import lanchat.transport.libp2p.multistream.MultistreamProtocolException;
import lanchat.transport.libp2p.multistream.MultistreamSelectHandler;
import lanchat.transport.libp2p.yamux.YamuxFrameCodec;
import lanchat.transport.libp2p.yamux.YamuxSession;
import org.junit.jupiter.api.Test;

/** Whole connection upgrades between two {@link EmbeddedChannel}s wired back to back. */
class ConnectionUpgraderTest {
    private static final long TIMEOUT_MS = 10_000;
    private static final String MS = MultistreamSelectHandler.PROTOCOL_ID;
    private final Identity alice = Identity.generate();
    private final Identity bob = Identity.generate();

    /** Echoes every byte of every inbound stream. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    /** Collects what a stream receives. */
    static final class Collect extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            received.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
    }

    private static ConnectionUpgrader upgrader(Identity id, boolean initiator, PeerId expected, long timeoutMs) {
        return new ConnectionUpgrader(SignedStaticKey.generate(id), initiator, expected, timeoutMs, security -> new YamuxSession(initiator, new Echo()));
    }

    /** A connection that installs the upgrader when registered, as Libp2pTransport's initializer does. */
    private static EmbeddedChannel connection(ConnectionUpgrader upgrader) {
        return new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                upgrader.install(ch.pipeline());
            }
        });
    }

    private static Throwable failure(ConnectionUpgrader u) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> u.result().get(0, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static void finish(EmbeddedChannel... channels) {
        for (EmbeddedChannel ch : channels) {
            ch.close();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void twoPeersUpgradeAllTheWayAndOpenAStream() throws Exception {
        ConnectionUpgrader dialer = upgrader(alice, true, bob.peerId(), TIMEOUT_MS);
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel a = connection(dialer);
        EmbeddedChannel b = connection(listener);
        Wire.pump(a, b);
        ConnectionUpgrader.Upgraded up = dialer.result().get(0, TimeUnit.SECONDS);
        ConnectionUpgrader.Upgraded down = listener.result().get(0, TimeUnit.SECONDS);
        assertEquals(bob.peerId(), up.security().remotePeer());
        assertEquals(alice.peerId(), down.security().remotePeer());
        assertArrayEquals(up.security().connectionId(), down.security().connectionId());
        assertTrue(up.mux().isClient());
        assertFalse(down.mux().isClient());
        for (EmbeddedChannel ch : List.of(a, b)) {
            assertTrue(ch.isOpen());
            assertNull(ch.pipeline().get(ConnectionUpgrader.class), "the upgrader left");
            assertNull(ch.pipeline().get(MultistreamSelectHandler.class));
            assertNull(ch.pipeline().get(NoiseHandshakeHandler.class));
            assertNotNull(ch.pipeline().get(NoiseCipherCodec.class));
            assertNotNull(ch.pipeline().get(YamuxFrameCodec.class));
        }
        assertSame(up.mux(), a.pipeline().get(YamuxSession.class));
        assertSame(down.mux(), b.pipeline().get(YamuxSession.class));

        // the whole stack carries a stream: yamux inside noise inside the connection
        Collect collect = new Collect();
        Future<Channel> stream = up.mux().openStream(collect);
        assertTrue(stream.isSuccess());
        byte[] payload = new byte[200_000];
        new java.util.Random(1).nextBytes(payload);
        stream.getNow().writeAndFlush(Unpooled.wrappedBuffer(payload));
        Wire.pump(a, b);
        assertArrayEquals(payload, collect.received.toByteArray());

        // the cancelled timeout does not fire later
        a.advanceTimeBy(TIMEOUT_MS * 2, TimeUnit.MILLISECONDS);
        b.advanceTimeBy(TIMEOUT_MS * 2, TimeUnit.MILLISECONDS);
        a.runScheduledPendingTasks();
        b.runScheduledPendingTasks();
        assertTrue(a.isOpen() && b.isOpen());
        finish(a, b);
    }

    /** An {@link EmbeddedChannel} with the socket addresses a TLS connection's id is made of. */
    private static EmbeddedChannel tcpLike(ConnectionUpgrader upgrader, int localPort, int remotePort) throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(false, false) {
            @Override
            protected SocketAddress localAddress0() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort);
            }

            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), remotePort);
            }
        };
        upgrader.install(ch.pipeline());
        ch.register();
        return ch;
    }

    @Test
    void aTlsDialerSendsItsFinishedBeforeItSetsUpItsSideOfTheConnection() throws Exception {
        // the listener verifies the dialer's last flight while the dialer builds its connection: neither waits for
        // the other (issue 16, connection setup). SslHandler would flush that flight only after the handshake event.
        AtomicReference<EmbeddedChannel> dialerChannel = new AtomicReference<>();
        AtomicReference<Boolean> flushedWhenSetUp = new AtomicReference<>();
        Libp2pTls aliceTls = Libp2pTls.of(alice, List.of(ConnectionUpgrader.YAMUX));
        Libp2pTls bobTls = Libp2pTls.of(bob, List.of(ConnectionUpgrader.YAMUX));
        ConnectionUpgrader dialer = new ConnectionUpgrader(SignedStaticKey.generate(alice), aliceTls, true, bob.peerId(), TIMEOUT_MS, security -> {
            flushedWhenSetUp.set(!dialerChannel.get().outboundMessages().isEmpty());
            return new YamuxSession(true, new Echo());
        });
        ConnectionUpgrader listener = new ConnectionUpgrader(SignedStaticKey.generate(bob), bobTls, false, null, TIMEOUT_MS, security -> new YamuxSession(false, new Echo()));
        EmbeddedChannel a = tcpLike(dialer, 40000, 4001);
        dialerChannel.set(a);
        EmbeddedChannel b = tcpLike(listener, 4001, 40000);
        Wire.pump(a, b);
        assertEquals(bob.peerId(), dialer.result().get(0, TimeUnit.SECONDS).security().remotePeer());
        assertEquals(alice.peerId(), listener.result().get(0, TimeUnit.SECONDS).security().remotePeer());
        assertEquals(Libp2pTls.PROTOCOL_ID, dialer.result().get().security().protocol());
        assertEquals(Boolean.TRUE, flushedWhenSetUp.get(), "the dialer's certificate and Finished were flushed before its connection was set up");
        finish(a, b);
    }

    @Test
    void coalescedSegmentsUpgradeToo() throws Exception {
        ConnectionUpgrader dialer = upgrader(alice, true, bob.peerId(), TIMEOUT_MS);
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel a = connection(dialer);
        EmbeddedChannel b = connection(listener);
        Wire.pump(a, b, true);
        assertEquals(bob.peerId(), dialer.result().get(0, TimeUnit.SECONDS).security().remotePeer());
        assertEquals(alice.peerId(), listener.result().get(0, TimeUnit.SECONDS).security().remotePeer());
        finish(a, b);
    }

    @Test
    void installedOnAnAlreadyActiveChannelItStillUpgradesAndIsBoundInTime() throws Exception {
        // install() may be called after channelActive (e.g. from a handler reacting to an event): the timeout must
        // still be armed, and completing the upgrade must not trip over a missing timer
        ConnectionUpgrader dialer = upgrader(alice, true, bob.peerId(), TIMEOUT_MS);
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        dialer.install(a.pipeline());
        listener.install(b.pipeline());
        Wire.pump(a, b);
        assertEquals(bob.peerId(), dialer.result().get(0, TimeUnit.SECONDS).security().remotePeer());
        assertEquals(alice.peerId(), listener.result().get(0, TimeUnit.SECONDS).security().remotePeer());
        finish(a, b);

        ConnectionUpgrader stuck = upgrader(bob, false, null, 300);
        EmbeddedChannel c = new EmbeddedChannel();
        stuck.install(c.pipeline());
        c.advanceTimeBy(301, TimeUnit.MILLISECONDS);
        c.runScheduledPendingTasks();
        assertTrue(failure(stuck).getMessage().contains("timed out"));
        assertFalse(c.isOpen());
        c.finishAndReleaseAll();
    }

    @Test
    void aPeerOfferingOnlyTlsIsRefused() throws Exception {
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel ours = connection(listener);
        ByteBuf offer = Wire.buf(concat(Wire.msg(MS), Wire.msg("/tls/1.0.0")));
        ours.writeInbound(offer);
        assertEquals(0, offer.refCnt());
        assertArrayEquals(concat(Wire.msg(MS), Wire.msg("na")), Wire.drainOutbound(ours), "header, then na to /tls/1.0.0");
        assertFalse(listener.result().isDone(), "the peer may still offer something else");
        // a go or js dialer with nothing else to offer gives up and closes its side
        ours.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        assertInstanceOf(MultistreamProtocolException.class, failure(listener));
        assertFalse(ours.isOpen(), "closed");
        ours.finishAndReleaseAll();
    }

    @Test
    void aDialerRefusedByATlsOnlyPeerFailsAndCloses() {
        ConnectionUpgrader dialer = upgrader(alice, true, bob.peerId(), TIMEOUT_MS);
        EmbeddedChannel ours = connection(dialer);
        EmbeddedChannel tlsOnly = new EmbeddedChannel(MultistreamSelectHandler.responder(Set.of("/tls/1.0.0")));
        Wire.pump(ours, tlsOnly);
        Throwable cause = failure(dialer);
        assertInstanceOf(MultistreamProtocolException.class, cause);
        assertTrue(cause.getMessage().contains("refused"), cause.getMessage());
        assertFalse(ours.isOpen());
        ours.finishAndReleaseAll();
        tlsOnly.finishAndReleaseAll();
    }

    @Test
    void aGoDialerOfferingTlsThenNoiseGetsNoise() {
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel ours = connection(listener);
        EmbeddedChannel go = new EmbeddedChannel(MultistreamSelectHandler.initiator(List.of("/tls/1.0.0", "/noise")));
        Wire.pump(go, ours);
        assertNotNull(ours.pipeline().get(NoiseHandshakeHandler.class), "noise handshake under way");
        assertFalse(listener.result().isDone());
        finish(ours, go);
    }

    @Test
    void aPeerThatStopsMidHandshakeIsFailedByTheTimeout() {
        ConnectionUpgrader listener = upgrader(bob, false, null, 500);
        EmbeddedChannel ours = connection(listener);
        ours.freezeTime(); // the timer was armed a moment ago, in real time
        ours.writeInbound(Wire.buf(concat(Wire.msg(MS), Wire.msg(NoiseHandshake.PROTOCOL_ID))));
        assertArrayEquals(concat(Wire.msg(MS), Wire.msg(NoiseHandshake.PROTOCOL_ID)), Wire.drainOutbound(ours));
        ours.writeInbound(Wire.buf(new byte[] {0, 32, 1, 2, 3})); // noise message 1 announced, 3 of 32 bytes sent
        ours.advanceTimeBy(250, TimeUnit.MILLISECONDS);
        ours.runScheduledPendingTasks();
        assertFalse(listener.result().isDone(), "not yet");
        assertTrue(ours.isOpen());
        ours.advanceTimeBy(251, TimeUnit.MILLISECONDS);
        ours.runScheduledPendingTasks();
        Throwable cause = failure(listener);
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().contains("timed out after 500 ms"), cause.getMessage());
        assertFalse(ours.isOpen(), "closed");
        ours.finishAndReleaseAll();
    }

    @Test
    void aDialerWhosePeerNeverAnswersTimesOut() {
        ConnectionUpgrader dialer = upgrader(alice, true, bob.peerId(), 200);
        EmbeddedChannel ours = connection(dialer);
        assertTrue(Wire.drainOutbound(ours).length > 0, "header and /noise sent");
        ours.advanceTimeBy(201, TimeUnit.MILLISECONDS);
        ours.runScheduledPendingTasks();
        assertTrue(failure(dialer).getMessage().contains("timed out"));
        assertFalse(ours.isOpen());
        ours.finishAndReleaseAll();
    }

    @Test
    void theWrongPeerBehindTheAddressFailsTheDialer() {
        Identity carol = Identity.generate();
        ConnectionUpgrader dialer = upgrader(alice, true, carol.peerId(), TIMEOUT_MS);
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel a = connection(dialer);
        EmbeddedChannel b = connection(listener);
        Wire.pump(a, b);
        Throwable cause = failure(dialer);
        assertInstanceOf(NoiseException.class, cause);
        assertTrue(cause.getMessage().contains("peer id mismatch"), cause.getMessage());
        assertFalse(a.isOpen());
        assertFalse(listener.result().isDone(), "the listener learns when the socket closes");
        b.close();
        assertInstanceOf(IOException.class, failure(listener));
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
    }

    @Test
    void garbageFailsAtOnce() {
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel ours = connection(listener);
        // 'G' reads as a 71-byte message, whose last byte is not a newline
        ByteBuf junk = Wire.buf("GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\nConnection: close\r\n\r\n");
        ours.writeInbound(junk);
        assertEquals(0, junk.refCnt());
        assertInstanceOf(MultistreamProtocolException.class, failure(listener));
        assertFalse(ours.isOpen());
        ours.finishAndReleaseAll();
    }

    @Test
    void aGarbageNoiseFrameFailsTheHandshake() {
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel ours = connection(listener);
        ours.writeInbound(Wire.buf(concat(Wire.msg(MS), Wire.msg(NoiseHandshake.PROTOCOL_ID))));
        Wire.drainOutbound(ours);
        byte[] frame = new byte[2 + 40];
        new java.util.Random(3).nextBytes(frame);
        frame[0] = 0;
        frame[1] = 40; // 40 bytes where message 1 must be exactly 32: refused from its length
        ByteBuf in = Wire.buf(frame);
        ours.writeInbound(in);
        assertEquals(0, in.refCnt());
        assertInstanceOf(io.netty.handler.codec.TooLongFrameException.class, failure(listener));
        assertFalse(ours.isOpen());
        ours.finishAndReleaseAll();
    }

    @Test
    void aPeerClosingMidHandshakeFailsTheResult() {
        ConnectionUpgrader listener = upgrader(bob, false, null, TIMEOUT_MS);
        EmbeddedChannel ours = connection(listener);
        ours.writeInbound(Wire.buf(Wire.msg(MS)));
        ours.close();
        assertInstanceOf(IOException.class, failure(listener));
        ours.finishAndReleaseAll();
    }

    @Test
    void connectionIdAddressesLeaveOutTheIpv6ScopeBothEndsSeeDifferently() throws Exception {
        byte[] linkLocal = InetAddress.getByName("fe80::1").getAddress();
        InetSocketAddress atDialer = new InetSocketAddress(java.net.Inet6Address.getByAddress(null, linkLocal, 2), 4001);
        InetSocketAddress atListener = new InetSocketAddress(java.net.Inet6Address.getByAddress(null, linkLocal, 3), 4001);
        org.junit.jupiter.api.Assertions.assertNotEquals(atDialer.getAddress().getHostAddress(), atListener.getAddress().getHostAddress());
        org.junit.jupiter.api.Assertions.assertEquals(ConnectionUpgrader.text(atDialer), ConnectionUpgrader.text(atListener));
        org.junit.jupiter.api.Assertions.assertNotEquals(ConnectionUpgrader.text(atDialer), ConnectionUpgrader.text(new InetSocketAddress(atDialer.getAddress(), 4002)));
    }
}
