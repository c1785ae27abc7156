package lanchat.transport.libp2p;

import static lanchat.api.internal.Bytes.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.api.internal.Varint;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;
import lanchat.api.spi.ChatSession;
import lanchat.api.testkit.TransportHarness;
import lanchat.api.testkit.TransportHarness.Node;
import lanchat.api.testkit.TransportHarness.Recorder;
import lanchat.transport.libp2p.multistream.MultistreamSelectHandler;
import lanchat.transport.libp2p.ping.PingInitiator;
import lanchat.transport.libp2p.ping.PingProtocol;
import lanchat.transport.libp2p.upgrade.ConnectionUpgrader;
import lanchat.transport.libp2p.yamux.YamuxConfig;
import lanchat.transport.libp2p.yamux.YamuxFrame;
import lanchat.transport.libp2p.yamux.YamuxFrameType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listening libp2p node attacked over raw loopback sockets: garbage, oversized and truncated handshakes are cut
 * off within a few seconds (the handshake timeout is 700 ms), and the node keeps chatting with its good peer.
 */
class Libp2pBadInputTest {
    private static final String MS = MultistreamSelectHandler.PROTOCOL_ID;
    private static final long CLOSE_BOUND_NANOS = TimeUnit.SECONDS.toNanos(4);
    /**
     * Noise only: these attacks are on multistream, Noise and yamux framing, and a node without TLS must answer a TLS
     * proposal with na (TLS's own bad input is lanchat-security-tls's Libp2pTlsTest and Libp2pCertificateTest).
     */
    private final TransportHarness harness = new TransportHarness(new Libp2pTransportProvider(), Map.of("handshakeTimeoutMs", "700", "security", "noise"));
    private TransportHarness smallHarness;

    @AfterEach
    void close() {
        harness.close();
        if (smallHarness != null) smallHarness.close();
    }

    private static <T> T await(CompletionStage<T> s) throws Exception {
        return TransportHarness.await(s);
    }

    /** A listener with one good peer connected, to prove it keeps working after each attack. */
    private final class Victim {
        final Node node;
        final ChatSession fromGood;
        final ChatSession toGood;
        final Recorder victimSide = new Recorder();
        final Recorder goodSide = new Recorder();
        private int round;

        Victim() throws Exception {
            node = harness.node().listen();
            Node good = harness.node();
            toGood = await(good.transport.dial(node.addr()));
            fromGood = node.accept();
            fromGood.setListener(victimSide);
            toGood.setListener(goodSide);
            stillChats();
        }

        InetSocketAddress socket() {
            return node.addr().withoutPeerId().toTcpSocketAddress();
        }

        PeerId peerId() {
            return node.identity.peerId();
        }

        void stillChats() throws Exception {
            round++;
            await(toGood.send(ChatMessage.of(null, "still there? " + round)));
            assertEquals("still there? " + round, victimSide.next().text());
            await(fromGood.send(ChatMessage.of(null, "yes " + round)));
            assertEquals("yes " + round, goodSide.next().text());
            assertTrue(fromGood.isOpen() && toGood.isOpen());
            assertTrue(!victimSide.closed.isDone() && !goodSide.closed.isDone(), "the good connection was not touched");
        }

        /** A peer that arrives after the attack connects and chats. */
        void welcomesANewPeer() throws Exception {
            Node late = harness.node();
            ChatSession out = await(late.transport.dial(node.addr()));
            ChatSession in = node.accept();
            while (!in.remotePeer().equals(late.identity.peerId())) in = node.accept(); // attackers are peers too
            Recorder heard = new Recorder();
            in.setListener(heard);
            out.setListener(new Recorder());
            await(out.send(ChatMessage.of(null, "hello, I am new")));
            assertEquals("hello, I am new", heard.next().text());
        }
    }

    /** Reads until the node closes the socket; fails if it does not within the bound. @return nanos it took */
    private static long assertClosedByPeer(Socket s) throws IOException {
        long start = System.nanoTime();
        s.setSoTimeout((int) TimeUnit.NANOSECONDS.toMillis(CLOSE_BOUND_NANOS));
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // drain whatever the node sent before closing
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the node did not close the connection within " + TimeUnit.NANOSECONDS.toSeconds(CLOSE_BOUND_NANOS) + " s");
        } catch (IOException reset) {
            // a reset is a close too
        }
        long took = System.nanoTime() - start;
        assertTrue(took < CLOSE_BOUND_NANOS, "closed after " + took / 1_000_000 + " ms");
        return took;
    }

    /** A blocking-socket speaker of just enough libp2p to misbehave at a chosen point. */
    private static final class Raw implements AutoCloseable {
        final Socket socket = new Socket();
        final DataInputStream in;
        final OutputStream out;
        NoiseResult keys;

        Raw(InetSocketAddress to) throws IOException {
            socket.connect(to, 5000);
            socket.setSoTimeout(5000);
            socket.setTcpNoDelay(true);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void write(byte[]... parts) throws IOException {
            for (byte[] p : parts) out.write(p);
            out.flush();
        }

        /** One multistream message, without its newline. */
        String readMessage() throws IOException {
            int n = (int) readVarint(in);
            byte[] b = new byte[n];
            in.readFully(b);
            assertEquals('\n', b[n - 1]);
            return new String(b, 0, n - 1, StandardCharsets.UTF_8);
        }

        void writeFrame(byte[] b) throws IOException {
            write(new byte[] {(byte) (b.length >> 8), (byte) b.length}, b);
        }

        byte[] readFrame() throws IOException {
            byte[] b = new byte[in.readUnsignedShort()];
            in.readFully(b);
            return b;
        }

        /** Negotiates /noise and starts the handshake; returns it after message 2 was read and checked. */
        NoiseHandshake startNoise(PeerId expected) throws Exception {
            write(Wire.msg(MS), Wire.msg(NoiseHandshake.PROTOCOL_ID));
            assertEquals(MS, readMessage());
            assertEquals(NoiseHandshake.PROTOCOL_ID, readMessage());
            NoiseHandshake hs = NoiseHandshake.initiator(Identity.generate(), expected, List.of());
            writeFrame(hs.writeMessage());
            hs.readMessage(readFrame());
            return hs;
        }

        void completeNoise(PeerId expected) throws Exception {
            NoiseHandshake hs = startNoise(expected);
            writeFrame(hs.writeMessage());
            keys = hs.result();
        }

        void writeSecure(byte[] plain) throws Exception {
            writeFrame(keys.sender().encrypt(plain));
        }

        byte[] readSecure() throws Exception {
            return keys.receiver().decrypt(readFrame());
        }

        /** Decrypted bytes from the node not yet returned as yamux frames. */
        private byte[] unread = new byte[0];

        /** Completes Noise, then selects /yamux/1.0.0 inside it (this dialer offers no early muxer negotiation). */
        void upgradeToYamux(PeerId expected) throws Exception {
            completeNoise(expected);
            byte[] select = concat(Wire.msg(MS), Wire.msg(ConnectionUpgrader.YAMUX));
            writeSecure(select);
            while (unread.length < select.length) unread = concat(unread, readSecure());
            assertEquals(new String(select, StandardCharsets.UTF_8), new String(unread, 0, select.length, StandardCharsets.UTF_8));
            unread = Arrays.copyOfRange(unread, select.length, unread.length); // the node's first frames may follow
        }

        void writeYamux(YamuxFrameType type, int flags, int streamId, long length, byte[] body) throws Exception {
            writeSecure(ByteBuffer.allocate(YamuxFrame.HEADER_LENGTH + body.length).put((byte) 0).put((byte) type.code())
                    .putShort((short) flags).putInt(streamId).putInt((int) length).put(body).array());
        }

        /** The node's next yamux frame; blocks, and throws at the end of the connection. */
        Frame readYamux() throws Exception {
            for (;;) {
                if (unread.length >= YamuxFrame.HEADER_LENGTH) {
                    ByteBuffer h = ByteBuffer.wrap(unread);
                    YamuxFrameType type = YamuxFrameType.of(h.get(1));
                    long length = Integer.toUnsignedLong(h.getInt(8));
                    int size = YamuxFrame.HEADER_LENGTH + (type == YamuxFrameType.DATA ? (int) length : 0);
                    if (unread.length >= size) {
                        Frame f = new Frame(type, h.getShort(2) & 0xFFFF, h.getInt(4), length, Arrays.copyOfRange(unread, YamuxFrame.HEADER_LENGTH, size));
                        unread = Arrays.copyOfRange(unread, size, unread.length);
                        return f;
                    }
                }
                unread = concat(unread, readSecure());
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A yamux frame the node sent. */
    private record Frame(YamuxFrameType type, int flags, int streamId, long length, byte[] body) {}

    private static long readVarint(InputStream in) throws IOException {
        long v = 0;
        for (int i = 0; i < Varint.MAX_BYTES; i++) {
            int b = in.read();
            if (b < 0) throw new IOException("end of stream inside a varint");
            v |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) return v;
        }
        throw new IOException("varint too long");
    }

    // ---- before the handshake completes ----

    @Test
    void randomGarbageOfSeveralSizesIsDropped() throws Exception {
        Victim v = new Victim();
        Random random = new Random(42);
        for (int size : new int[] {1, 2, 19, 100, 1025, 5000, 70_000}) {
            try (Raw r = new Raw(v.socket())) {
                byte[] junk = new byte[size];
                random.nextBytes(junk);
                try {
                    r.write(junk);
                } catch (IOException closedWhileWriting) {
                    // the node may hang up before it read everything
                }
                assertClosedByPeer(r.socket);
            }
        }
        v.stillChats();
    }

    @Test
    void anOversizedProtocolIdIsRefusedAtOnce() throws Exception {
        Victim v = new Victim();
        try (Raw r = new Raw(v.socket())) {
            r.write(Wire.msg(MS), Wire.msg("/" + "p".repeat(1999)));
            long took = assertClosedByPeer(r.socket);
            assertTrue(took < TimeUnit.MILLISECONDS.toNanos(600), "refused without waiting for the timeout: " + took / 1_000_000 + " ms");
        }
        v.stillChats();
    }

    @Test
    void aDialerOfferingOnlyTlsIsToldNaAndCutOff() throws Exception {
        Victim v = new Victim();
        try (Raw r = new Raw(v.socket())) {
            r.write(Wire.msg(MS), Wire.msg("/tls/1.0.0"));
            assertEquals(MS, r.readMessage());
            assertEquals("na", r.readMessage());
            assertClosedByPeer(r.socket);
        }
        v.stillChats();
    }

    @Test
    void aDialerThatStopsAfterChoosingNoiseIsCutOffByTheTimeout() throws Exception {
        Victim v = new Victim();
        try (Raw r = new Raw(v.socket())) {
            r.write(Wire.msg(MS), Wire.msg(NoiseHandshake.PROTOCOL_ID));
            assertEquals(MS, r.readMessage());
            assertEquals(NoiseHandshake.PROTOCOL_ID, r.readMessage());
            long took = assertClosedByPeer(r.socket);
            assertTrue(took > TimeUnit.MILLISECONDS.toNanos(300), "waited for the timeout: " + took / 1_000_000 + " ms");
        }
        v.stillChats();
    }

    @Test
    void aDialerThatStopsInsideANoiseFrameIsCutOffByTheTimeout() throws Exception {
        Victim v = new Victim();
        try (Raw r = new Raw(v.socket())) {
            r.write(Wire.msg(MS), Wire.msg(NoiseHandshake.PROTOCOL_ID), new byte[] {0, 32, 1, 2, 3});
            assertClosedByPeer(r.socket);
        }
        v.stillChats();
    }

    @Test
    void aGarbageThirdHandshakeMessageIsRefused() throws Exception {
        Victim v = new Victim();
        try (Raw r = new Raw(v.socket())) {
            r.startNoise(v.peerId()); // a valid start: message 1 sent, the node's message 2 verified
            byte[] junk = new byte[120];
            new Random(7).nextBytes(junk);
            r.writeFrame(junk);
            long took = assertClosedByPeer(r.socket);
            assertTrue(took < TimeUnit.MILLISECONDS.toNanos(600), "refused without waiting for the timeout");
        }
        v.stillChats();
    }

    @Test
    void aGarbageFrameAfterTheNoiseHandshakeIsRefused() throws Exception {
        Victim v = new Victim();
        try (Raw r = new Raw(v.socket())) {
            r.completeNoise(v.peerId());
            byte[] junk = new byte[40];
            new Random(8).nextBytes(junk);
            r.writeFrame(junk); // not encrypted with the session key: fails authentication
            assertClosedByPeer(r.socket);
        }
        try (Raw r = new Raw(v.socket())) {
            r.completeNoise(v.peerId());
            r.writeFrame(new byte[5]); // shorter than a tag
            assertClosedByPeer(r.socket);
        }
        v.stillChats();
    }

    @Test
    void aMalformedYamuxFrameAfterAFullUpgradeClosesOnlyThatConnection() throws Exception {
        Victim v = new Victim();
        try (Raw r = new Raw(v.socket())) {
            r.upgradeToYamux(v.peerId());
            // yamux version 7, type 9: a protocol error
            r.writeSecure(new byte[] {7, 9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0});
            assertClosedByPeer(r.socket);
        }
        v.stillChats();
    }

    @Test
    void aPeerThatIsNotTheOneDialedIsRejected() throws Exception {
        Victim v = new Victim();
        Node impostor = harness.node().listen();
        // dial the impostor's socket while expecting the victim's peer id
        lanchat.api.Multiaddr wrong = impostor.addr().withoutPeerId().withPeerId(v.peerId());
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> await(harness.node().transport.dial(wrong)));
        assertTrue(String.valueOf(e.getCause().getMessage()).contains("peer id mismatch"), e.getCause().toString());
        v.stillChats();
    }

    @Test
    void aYamuxFrameLongerThanTheWindowIsRefusedFromItsHeader() throws Exception {
        Victim v = new Victim();
        // the attack: connections announcing a 16 MiB Data frame and sending all of it but the last byte; the node
        // must close each on the header instead of buffering the body
        for (int i = 0; i < 3; i++) {
            try (Raw r = new Raw(v.socket())) {
                r.upgradeToYamux(v.peerId());
                r.writeYamux(YamuxFrameType.DATA, YamuxFrame.FLAG_SYN, 1, 16 << 20, new byte[0]);
                long sent = 0;
                try {
                    for (byte[] body = new byte[60_000]; sent < (16 << 20) - 1 - body.length; sent += body.length) r.writeSecure(body);
                } catch (IOException closedByTheNode) {
                    // expected: the node hung up on the header
                }
                assertTrue(sent < 8 << 20, "the node took " + sent + " bytes of a frame it cannot accept");
                assertClosedByPeer(r.socket);
            }
        }
        // the header alone, read back to the node's Go Away
        try (Raw r = new Raw(v.socket())) {
            r.upgradeToYamux(v.peerId());
            r.writeYamux(YamuxFrameType.DATA, YamuxFrame.FLAG_SYN, 1, 16 << 20, new byte[0]);
            List<Frame> frames = new ArrayList<>();
            try {
                for (;;) frames.add(r.readYamux());
            } catch (java.io.EOFException end) {
                // the node closed the connection
            }
            Frame last = frames.get(frames.size() - 1);
            assertEquals(YamuxFrameType.GO_AWAY, last.type());
            assertEquals(1, last.length(), "protocol error");
        }
        v.stillChats();
        v.welcomesANewPeer();
    }

    /** The window the node grants one stream, tracked as a peer that keeps to it must. */
    private static final class Credit {
        private long window;

        Credit(long initial) {
            window = initial;
        }

        synchronized void add(long n) {
            window += n;
            notifyAll();
        }

        /** Takes {@code n} from the window, waiting at most {@code timeoutMillis} for the node to grant it. */
        synchronized boolean take(long n, long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (window < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            window -= n;
            return true;
        }
    }

    @Test
    void aPingStreamWhoseEchoesGetNoWindowIsNoLongerCredited() throws Exception {
        Victim v = new Victim();
        try (Raw r = new Raw(v.socket())) {
            r.upgradeToYamux(v.peerId());
            r.socket.setSoTimeout(0); // the reader below ends when the socket is closed
            byte[] select = concat(Wire.msg(MS), Wire.msg(PingProtocol.ID));
            Credit credit = new Credit(YamuxConfig.INITIAL_WINDOW - select.length);
            CompletableFuture<Void> agreed = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                try {
                    for (;;) {
                        Frame f = r.readYamux();
                        if (f.streamId() != 1) continue; // the node's identify request: left unanswered
                        if (f.type() == YamuxFrameType.WINDOW_UPDATE) credit.add(f.length());
                        if (f.type() == YamuxFrameType.DATA && !agreed.isDone()) {
                            answer.writeBytes(f.body());
                            if (answer.size() >= select.length) agreed.complete(null);
                        }
                        // echoes are read and dropped: this peer reads, it only never grants window for them
                    }
                } catch (Exception end) {
                    agreed.completeExceptionally(end);
                }
            }, "ping attacker reader");
            reader.setDaemon(true);
            reader.start();
            r.writeYamux(YamuxFrameType.DATA, YamuxFrame.FLAG_SYN, 1, select.length, select);
            agreed.get(5, TimeUnit.SECONDS);
            byte[] pings = new byte[8192];
            new Random(9).nextBytes(pings);
            long sent = 0;
            // pings as fast as the node credits them, up to 16 MiB (18 MB ran a -Xmx128m node out of heap)
            while (sent < 16 << 20 && credit.take(pings.length, 2000)) {
                r.writeYamux(YamuxFrameType.DATA, 0, 1, pings.length, pings);
                sent += pings.length;
            }
            assertTrue(sent <= 1 << 20, "the node credited " + sent + " bytes of pings whose echoes it could not send");
            assertTrue(reader.isAlive(), "a slow peer is not cut off");
            r.close();
            reader.join(5000);
        }
        v.stillChats();
        v.welcomesANewPeer();
    }

    // ---- after the upgrade: one bad stream costs that stream only ----

    @Test
    void anOverlongChatLineCostsOnlyThatLine() throws Exception {
        smallHarness = new TransportHarness(new Libp2pTransportProvider(), Map.of("maxMessageBytes", "1024"));
        Node receiver = smallHarness.node().listen();
        Node sender = harness.node();
        ChatSession out = await(sender.transport.dial(receiver.addr()));
        ChatSession in = receiver.accept();
        Recorder atReceiver = new Recorder();
        Recorder atSender = new Recorder();
        in.setListener(atReceiver);
        out.setListener(atSender);
        await(out.send(ChatMessage.of(null, "before")));
        assertEquals("before", atReceiver.next().text());

        for (int i = 0; i < 5; i++) {
            await(out.send(ChatMessage.of(null, "x".repeat(4096)))); // the sender's own limit is 1 MiB: it goes out
            // sent at once, before anything could come back: it must not be lost with the overlong line
            await(out.send(ChatMessage.of(null, "after " + i)));
            assertEquals("after " + i, atReceiver.next().text(), "a normal line still arrives after the overlong one");
        }
        await(out.send(ChatMessage.of(null, "y".repeat(2000) + "\nin the same message")));
        assertEquals("in the same message", atReceiver.next().text());
        assertTrue(atReceiver.messages.isEmpty(), "the overlong lines were dropped, not delivered");

        // the connection and its other streams are fine, both ways
        assertTrue(in.isOpen() && out.isOpen());
        assertNotNull(await(out.ping()));
        assertNotNull(await(in.ping()));
        await(in.send(ChatMessage.of(null, "reply")));
        assertEquals("reply", atSender.next().text());
        await(out.send(ChatMessage.of(null, "again")));
        assertEquals("again", atReceiver.next().text());
        assertTrue(!atReceiver.closed.isDone() && !atSender.closed.isDone());
    }

    /** The connection's chat streams, read on its event loop. */
    private static List<io.netty.channel.Channel> chatStreams(ChatSession s) throws Exception {
        Libp2pConnection c = (Libp2pConnection) s;
        return c.channel().eventLoop().submit(() -> List.copyOf(c.handler(lanchat.transport.libp2p.chat.ChatService.PerConnection.class).streams())).get(5, TimeUnit.SECONDS);
    }

    @Test
    void whenThePeerClosesTheChatStreamTheSenderOpensANewOne() throws Exception {
        Pair pair = pair();
        ChatSession out = pair.ab(), in = pair.ba();
        Recorder atA = pair.atA(), atB = pair.atB();
        await(out.send(ChatMessage.of(null, "one")));
        assertEquals("one", atA.next().text());
        List<io.netty.channel.Channel> before = chatStreams(out);
        assertEquals(1, before.size());
        // the receiver drops the stream the sender is using
        io.netty.channel.Channel atReceiver = chatStreams(in).get(0);
        atReceiver.close().sync();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (before.get(0).isOpen() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(!before.get(0).isOpen(), "the sender let the closed stream go");
        await(out.send(ChatMessage.of(null, "two")));
        assertEquals("two", atA.next().text());
        List<io.netty.channel.Channel> after = chatStreams(out);
        assertEquals(1, after.size());
        assertTrue(after.get(0) != before.get(0), "a new stream");
        // and the receiver, whose send stream was the closed one, opens one too
        await(in.send(ChatMessage.of(null, "three")));
        assertEquals("three", atB.next().text());
    }

    @Test
    void badNickStreamsDoNotUseUpThePeersStreams() throws Exception {
        // a nick stream whose frame is too long, or that ends without one, must be let go by the receiver too
        Pair pair = pair();
        ChatSession ab = pair.ab();
        Recorder atA = pair.atA();
        Libp2pConnection conn = (Libp2pConnection) ab;
        for (int i = 0; i < 300; i++) {
            io.netty.channel.Channel s = await(conn.openStream(List.of(lanchat.transport.libp2p.nick.NickProtocol.ID)));
            if (i % 2 == 0) {
                s.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(Varint.encode(1000), new byte[1000]));
            }
            s.close();
        }
        assertNotNull(await(ab.ping()));
        await(ab.send(ChatMessage.of(null, "hello after 300 bad nick streams")));
        assertEquals("hello after 300 bad nick streams", atA.next().text());
    }

    @Test
    void pingsShareOneStreamAndAStreamPerPingIsLetGoByTheResponder() throws Exception {
        Pair pair = pair();
        ChatSession ab = pair.ab();
        Recorder atA = pair.atA();
        Libp2pConnection conn = (Libp2pConnection) ab, remote = (Libp2pConnection) pair.ba();
        assertNotNull(await(ab.ping()));
        int streams = remote.openStreams();
        for (int i = 0; i < 300; i++) assertNotNull(await(ab.ping()), "ping " + i);
        assertEquals(streams, remote.openStreams(), "300 more pings, no more streams: they share the first one");
        // a peer that opens a stream per ping, as js-libp2p does: the responder must let each go, or the peer's
        // stream limit (256) is reached
        for (int i = 0; i < 300; i++) {
            io.netty.channel.Channel s = await(conn.openStream(List.of(PingProtocol.ID)));
            PingInitiator once = new PingInitiator();
            CompletableFuture<Duration> rtt = s.eventLoop().submit(() -> {
                s.pipeline().addLast(once);
                CompletableFuture<Duration> r = once.ping();
                once.retire(Duration.ofSeconds(5));
                return r;
            }).get(5, TimeUnit.SECONDS);
            assertNotNull(await(rtt), "stream " + i);
        }
        assertNotNull(await(ab.ping()));
        await(ab.send(ChatMessage.of(null, "hello after 600 pings")));
        assertEquals("hello after 600 pings", atA.next().text());
    }

    /** B dialed A over libp2p; both sessions have a recorder ({@code atA} hears what B sends). */
    private record Pair(ChatSession ab, ChatSession ba, Recorder atA, Recorder atB) {}

    private Pair pair() throws Exception {
        Node a = harness.node().listen();
        ChatSession ab = await(harness.node().transport.dial(a.addr()));
        ChatSession ba = a.accept();
        Pair p = new Pair(ab, ba, new Recorder(), new Recorder());
        ba.setListener(p.atA());
        ab.setListener(p.atB());
        return p;
    }
}
