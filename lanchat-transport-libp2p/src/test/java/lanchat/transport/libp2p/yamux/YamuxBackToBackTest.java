package lanchat.transport.libp2p.yamux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import lanchat.transport.libp2p.Wire;
import lanchat.transport.libp2p.multistream.MultistreamSelectHandler;
import lanchat.transport.libp2p.multistream.ProtocolSelected;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.Acceptor;
import lanchat.transport.libp2p.yamux.YamuxTestSupport.Probe;
import org.junit.jupiter.api.Test;

/** Two sessions, each on an {@link EmbeddedChannel} with the real codec, wired back to back. */
class YamuxBackToBackTest {
    private final Acceptor clientAcceptor = new Acceptor(() -> new Probe().echoing(), c -> {});
    private final Acceptor serverAcceptor = new Acceptor(() -> new Probe().echoing(), c -> {});
    private final YamuxSession clientSession = new YamuxSession(true, clientAcceptor);
    private final YamuxSession serverSession = new YamuxSession(false, serverAcceptor);
    private final EmbeddedChannel client = new EmbeddedChannel(new YamuxFrameCodec(), clientSession);
    private final EmbeddedChannel server = new EmbeddedChannel(new YamuxFrameCodec(), serverSession);

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private YamuxStreamChannel open(YamuxSession session, Probe probe) {
        Future<Channel> f = session.openStream(probe);
        assertTrue(f.isSuccess());
        return (YamuxStreamChannel) f.getNow();
    }

    private void finish() {
        client.close();
        Wire.pump(client, server);
        server.close();
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void echoesOneMebibyteAndClosesCleanly() {
        Probe probe = new Probe();
        YamuxStreamChannel stream = open(clientSession, probe);
        byte[] payload = random(1 << 20, 1);
        ChannelFuture write = stream.writeAndFlush(Unpooled.wrappedBuffer(payload));
        stream.shutdownOutput();
        Wire.pump(client, server);
        assertTrue(write.isSuccess());
        assertArrayEquals(payload, probe.received.toByteArray());
        // both sides sent FIN: the stream is gone on both ends
        assertFalse(stream.isOpen());
        assertEquals(0, clientSession.streamCount());
        assertEquals(0, serverSession.streamCount());
        assertEquals(1, serverAcceptor.probes.get(0).inactive);
        assertEquals(1, probe.inactive);
        finish();
    }

    @Test
    void aSlowConnectionBlocksStreamsWithoutLosingData() {
        // the connection turns unwritable after every frame: streams must wait for it, then resume
        client.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        Probe probe = new Probe();
        YamuxStreamChannel a = open(clientSession, probe);
        Probe probe2 = new Probe();
        YamuxStreamChannel b = open(clientSession, probe2);
        byte[] pa = random(600_000, 2);
        byte[] pb = random(300_000, 3);
        a.writeAndFlush(Unpooled.wrappedBuffer(pa));
        b.writeAndFlush(Unpooled.wrappedBuffer(pb));
        Wire.pump(client, server);
        assertArrayEquals(pa, probe.received.toByteArray());
        assertArrayEquals(pb, probe2.received.toByteArray());
        finish();
    }

    @Test
    void aStalledReaderStopsTheWriterThroughTheWindow() {
        Acceptor stalled = new Acceptor(Probe::new, c -> c.config().setAutoRead(false));
        YamuxSession server2 = new YamuxSession(false, stalled);
        EmbeddedChannel serverChannel = new EmbeddedChannel(new YamuxFrameCodec(), server2);
        YamuxStreamChannel stream = open(clientSession, new Probe());
        byte[] payload = random(1 << 20, 4);
        ChannelFuture write = stream.writeAndFlush(Unpooled.wrappedBuffer(payload));
        Wire.pump(client, serverChannel);
        Probe reader = stalled.probes.get(0);
        assertEquals(0, reader.received.size());
        assertFalse(write.isDone(), "the writer waits for window");
        assertFalse(stream.isWritable());

        reader.channel.config().setAutoRead(true);
        Wire.pump(client, serverChannel);
        assertTrue(write.isSuccess());
        assertTrue(stream.isWritable());
        assertArrayEquals(payload, reader.received.toByteArray());
        client.close();
        Wire.pump(client, serverChannel);
        client.finishAndReleaseAll();
        serverChannel.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void hundredStreamsFromEachSideEchoConcurrently() {
        int n = 100;
        List<Probe> clientProbes = new ArrayList<>();
        List<Probe> serverProbes = new ArrayList<>();
        List<byte[]> clientPayloads = new ArrayList<>();
        List<byte[]> serverPayloads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Probe cp = new Probe();
            YamuxStreamChannel cs = open(clientSession, cp);
            byte[] c = random(5_000 + i * 131, 100 + i);
            cs.write(Unpooled.wrappedBuffer(c));
            cs.shutdownOutput();
            clientProbes.add(cp);
            clientPayloads.add(c);

            Probe sp = new Probe();
            YamuxStreamChannel ss = open(serverSession, sp);
            byte[] s = random(7_000 + i * 17, 1000 + i);
            ss.write(Unpooled.wrappedBuffer(s));
            ss.shutdownOutput();
            serverProbes.add(sp);
            serverPayloads.add(s);
        }
        assertEquals(n, clientSession.streamCount(), "the peer's streams are not known before the pump");
        Wire.pump(client, server);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(clientPayloads.get(i), clientProbes.get(i).received.toByteArray(), "client " + i);
            assertArrayEquals(serverPayloads.get(i), serverProbes.get(i).received.toByteArray(), "server " + i);
            assertEquals(1, clientProbes.get(i).inactive);
            assertEquals(1, serverProbes.get(i).inactive);
        }
        assertEquals(n, clientAcceptor.probes.size());
        assertEquals(n, serverAcceptor.probes.size());
        assertEquals(0, clientSession.streamCount());
        assertEquals(0, serverSession.streamCount());
        finish();
    }

    @Test
    void pingRoundTrip() {
        Future<Duration> rtt = clientSession.ping();
        Wire.pump(client, server);
        assertTrue(rtt.isSuccess());
        finish();
    }

    @Test
    void goAwayThenCloseTearsDownThePeer() {
        Probe probe = new Probe();
        open(clientSession, probe);
        Wire.pump(client, server);
        assertEquals(1, serverSession.streamCount());
        server.close(); // sends Go Away (normal) and closes
        Wire.pump(client, server);
        assertFalse(clientSession.openStream(new Probe()).isSuccess(), "no new streams after Go Away");
        client.close();
        assertEquals(1, probe.inactive);
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    /** The libp2p stack in miniature: multistream picks yamux, then each stream picks its protocol. */
    @Test
    void multistreamSelectsYamuxAndThenAStreamProtocol() {
        Acceptor chatAcceptor = new Acceptor(Probe::new, c -> c.pipeline().addLast(
                MultistreamSelectHandler.responder(Set.of("/chat/1.1.0", "/ipfs/ping/1.0.0"))));
        // the listener opens a stream as soon as yamux is agreed, so its SYN follows its echo in one flush
        EmbeddedChannel listener = new EmbeddedChannel(new MultistreamSelectHandler(
                MultistreamSelectHandler.Role.RESPONDER, List.of("/yamux/1.0.0"), null, 1024, 16) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                YamuxSession session = new YamuxSession(false, chatAcceptor);
                ctx.pipeline().addAfter(ctx.name(), "yamux", session);
                ctx.pipeline().addAfter(ctx.name(), "frames", new YamuxFrameCodec());
                session.openStream(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(MultistreamSelectHandler.initiator(List.of("/ipfs/id/1.0.0")));
                    }
                });
            }
        });
        Acceptor dialerInbound = new Acceptor(Probe::new, c -> c.pipeline().addLast(
                MultistreamSelectHandler.responder(Set.of("/ipfs/id/1.0.0"))));
        YamuxSession dialerSession = new YamuxSession(true, dialerInbound);
        EmbeddedChannel dialer = new EmbeddedChannel(MultistreamSelectHandler.initiator(List.of("/mplex/6.7.0",
                "/yamux/1.0.0")), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ProtocolSelected p && p.protocol().equals("/yamux/1.0.0")) {
                            ctx.pipeline().addAfter(ctx.name(), "yamux", dialerSession);
                            ctx.pipeline().addAfter(ctx.name(), "frames", new YamuxFrameCodec());
                            ctx.pipeline().remove(this);
                        }
                    }
                });
        Wire.pump(dialer, listener, true);
        // the listener's stream arrived in the same read as the echo and was not lost
        assertEquals(1, dialerInbound.probes.size());

        List<String> selected = new ArrayList<>();
        Probe chat = new Probe();
        dialerSession.openStream(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(MultistreamSelectHandler.initiator(List.of("/chat/1.1.0")),
                        new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof ProtocolSelected p) {
                                    selected.add(p.protocol());
                                    ctx.writeAndFlush(Unpooled.copiedBuffer("hello\n", StandardCharsets.UTF_8));
                                }
                                ctx.fireUserEventTriggered(evt);
                            }
                        }, chat);
            }
        });
        Wire.pump(dialer, listener);
        assertEquals(List.of("/chat/1.1.0"), selected);
        Probe serverSide = chatAcceptor.probes.get(0);
        assertEquals("hello\n", serverSide.text());
        assertTrue(serverSide.events.contains(new ProtocolSelected("/chat/1.1.0")));
        assertEquals(2, dialerSession.streamCount());

        dialer.close();
        Wire.pump(dialer, listener);
        dialer.finishAndReleaseAll();
        listener.finishAndReleaseAll();
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }
}
