package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;

import io.netty.buffer.ByteBufUtil;
import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;
import lanchat.api.spi.ChatSession;
import lanchat.api.testkit.TransportHarness;
import lanchat.api.testkit.TransportHarness.Node;
import lanchat.api.testkit.TransportHarness.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listening node attacked over raw sockets: garbage, truncated and oversized frames close the offending
 * connection (the reason is logged) within a bounded time, and the node keeps chatting with its good peer.
 */
class BadInputTest {
    private static final int MAX_MESSAGE = 4096;
    private final TransportHarness harness = new TransportHarness(new NettyTransportProvider(),
            Map.of("handshakeTimeoutMs", "700", "maxMessageBytes", Integer.toString(MAX_MESSAGE)));

    @AfterEach
    void close() {
        harness.close();
    }

    private Node node() {
        return harness.node();
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> s) throws Exception {
        return TransportHarness.await(s);
    }

    /** A listener with one good peer connected, to prove it keeps working after each attack. */
    private final class Victim {
        final Node node;
        final ChatSession fromGood;
        final ChatSession toGood;
        final Recorder victimSide = new Recorder();
        final Recorder goodSide = new Recorder();

        Victim() throws Exception {
            node = node().listen();
            Node good = node();
            toGood = await(good.transport.dial(node.addr()));
            fromGood = node.accept();
            fromGood.setListener(victimSide);
            toGood.setListener(goodSide);
        }

        InetSocketAddress socket() {
            return node.addr().withoutPeerId().toTcpSocketAddress();
        }

        void stillChats() throws Exception {
            await(toGood.send(ChatMessage.of(null, "still there?")));
            assertEquals("still there?", victimSide.next().text());
            await(fromGood.send(ChatMessage.of(null, "yes")));
            assertEquals("yes", goodSide.next().text());
        }
    }

    /** Reads until the node closes the socket; fails if it does not within 5 s. */
    private static void assertClosedByPeer(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // drain whatever the node sent before closing
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the node did not close the connection");
        } catch (IOException reset) {
            // a reset is a close too
        }
    }

    @Test
    void garbageOnThePortIsDropped() throws Exception {
        Victim v = new Victim();
        Random random = new Random(42);
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket()) {
                s.connect(v.socket());
                byte[] junk = new byte[1 + random.nextInt(2000)];
                random.nextBytes(junk);
                s.getOutputStream().write(junk);
                assertClosedByPeer(s);
            }
        }
        v.stillChats();
    }

    @Test
    void aPeerThatStopsMidHandshakeIsCutOffByTheTimeout() throws Exception {
        Victim v = new Victim();
        try (Socket s = new Socket()) {
            s.connect(v.socket());
            OutputStream out = s.getOutputStream();
            out.write(ByteBufUtil.getBytes(Hello.bytes()));
            out.write(new byte[] {0x00, 0x20, 1, 2, 3}); // a noise frame announced as 32 bytes, 3 sent
            long start = System.nanoTime();
            assertClosedByPeer(s);
            assertTrue(System.nanoTime() - start < 4_000_000_000L, "handshake timeout not enforced");
        }
        v.stillChats();
    }

    @Test
    void aLibp2pDialerIsToldOffAndTheListenerLivesOn() throws Exception {
        Victim v = new Victim();
        try (Socket s = new Socket()) {
            s.connect(v.socket());
            s.getOutputStream().write("\u0013/multistream/1.0.0\n\u0007/noise\n".getBytes(StandardCharsets.US_ASCII));
            assertClosedByPeer(s);
        }
        v.stillChats();
    }

    @Test
    void dialingALibp2pListenerSaysSo() throws Exception {
        try (ServerSocket fake = new ServerSocket()) {
            fake.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread libp2p = new Thread(() -> {
                try (Socket s = fake.accept()) {
                    // what a libp2p listener answers to our hello: its header, then "na" to /lanchat-netty/1.0.0
                    s.getOutputStream().write("\u0013/multistream/1.0.0\n\u0003na\n".getBytes(StandardCharsets.US_ASCII));
                    s.setSoTimeout(3000);
                    s.getInputStream().read(new byte[1024]);
                    Thread.sleep(3000);
                } catch (Exception ignored) {
                    // the test only cares about the dialer's side
                }
            });
            libp2p.setDaemon(true);
            libp2p.start();
            Multiaddr addr = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + fake.getLocalPort());
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(node().transport.dial(addr)));
            assertTrue(e.getCause().getMessage().contains("speaks libp2p"), e.getCause().getMessage());
        }
    }

    @Test
    void oversizedMalformedAndForgedFramesAfterTheHandshakeCloseOnlyThatConnection() throws Exception {
        Victim v = new Victim();
        // each attacker completes a real handshake, then misbehaves in one way
        List<byte[]> attacks = List.of(
                frame(ByteBuffer.allocate(4).putInt(4 * Math.max(MAX_MESSAGE, ChannelFrames.MAX_FRAME)).array()), // announces an oversized frame
                frame(new byte[] {0, 0, 0, 3, ChatFrameCodec.MESSAGE, 10, 'x'}),        // nick longer than the frame
                frame(new byte[] {0, 0, 0, 2, ChatFrameCodec.PING, 1}),                 // short ping
                frame(ByteBuffer.allocate(4 + 6 + ChannelFrames.MAX_CHUNK + 1).putInt(6 + ChannelFrames.MAX_CHUNK + 1)
                        .put(ChannelFrames.DATA).putInt(1).put((byte) 0).array()),      // a channel chunk over 16 KiB
                frame(new byte[] {0, 0, 0, 7, ChannelFrames.OPEN, 0, 0, 0, 2, '/', 'x'}), // the dialer opening an even id
                garbageNoiseFrame());                                                   // not encrypted at all (bad MAC)
        for (byte[] attack : attacks) {
            try (Socket s = new Socket()) {
                s.connect(v.socket());
                SecuredClient c = SecuredClient.handshake(s, v.node.identity);
                if (attack.length > 0 && attack[0] == 0 && attack[1] == 40) c.raw(attack);
                else c.sendPlain(attack);
                assertClosedByPeer(s);
            }
        }
        v.stillChats();
    }

    @Test
    void aValidMessageFromAHandRolledClientIsDelivered() throws Exception {
        // guards the attack test above: the raw client itself speaks the protocol correctly
        Node victim = node().listen();
        try (Socket s = new Socket()) {
            s.connect(victim.addr().withoutPeerId().toTcpSocketAddress());
            SecuredClient c = SecuredClient.handshake(s, victim.identity);
            ChatSession in = victim.accept();
            Recorder r = new Recorder();
            in.setListener(r);
            c.sendMessage("hand-rolled");
            assertEquals("hand-rolled", r.next().text());
        }
    }

    private static byte[] frame(byte[] b) {
        return b;
    }

    /** A whole noise frame of 40 random bytes: well formed, but its tag cannot verify. */
    private static byte[] garbageNoiseFrame() {
        byte[] f = new byte[42];
        new Random(7).nextBytes(f);
        f[0] = 0;
        f[1] = 40;
        return f;
    }
}
