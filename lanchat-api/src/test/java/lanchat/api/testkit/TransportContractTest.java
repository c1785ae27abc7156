package lanchat.api.testkit;

import static lanchat.api.testkit.TransportHarness.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.spi.ChannelLimits;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.ProtocolNotSupportedException;
import lanchat.api.spi.Direction;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportProvider;
import lanchat.api.testkit.TransportHarness.ChannelRecorder;
import lanchat.api.testkit.TransportHarness.Node;
import lanchat.api.testkit.TransportHarness.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every transport plugin must do, over real loopback sockets (like go-libp2p's transport test suite).
 * A transport module extends this class and names its provider.
 */
public abstract class TransportContractTest {
    protected static final Duration WAIT = TransportHarness.WAIT;

    protected abstract TransportProvider provider();

    /** Options for the transports under test; e.g. short timeouts. */
    protected Map<String, String> options() {
        return Map.of();
    }

    private TransportHarness harness;

    @BeforeEach
    void openHarness() {
        harness = new TransportHarness(provider(), options());
    }

    @AfterEach
    void closeHarness() {
        harness.close();
    }

    protected Node node() {
        return harness.node();
    }

    @Test
    void listenReportsConcreteAddressesEndingInOurPeerId() throws Exception {
        Node a = node().listen();
        assertFalse(a.addrs.isEmpty());
        for (Multiaddr m : a.addrs) {
            assertEquals(a.identity.peerId(), m.peerId().orElseThrow(), m.toString());
            assertNotEquals(0, m.withoutPeerId().toTcpSocketAddress().getPort(), m.toString());
            assertTrue(a.transport.canDial(m), "cannot dial its own address " + m);
        }
    }

    @Test
    void dialAuthenticatesBothEnds() throws Exception {
        Node a = node().listen();
        Node b = node();
        ChatSession out = await(b.transport.dial(a.addr()));
        ChatSession in = a.accept();
        assertEquals(a.identity.peerId(), out.remotePeer());
        assertEquals(b.identity.peerId(), in.remotePeer());
        assertEquals(Direction.OUTBOUND, out.direction());
        assertEquals(Direction.INBOUND, in.direction());
        assertEquals(out.connectionId(), in.connectionId(), "both ends must agree on the connection id");
        assertEquals(provider().name(), out.transport());
        assertTrue(out.isOpen() && in.isOpen());
    }

    @Test
    void dialWithoutPeerIdLearnsIt() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr().withoutPeerId()));
        assertEquals(a.identity.peerId(), out.remotePeer());
    }

    @Test
    void messagesFlowBothWaysInOrder() throws Exception {
        Node a = node().listen();
        Node b = node();
        ChatSession out = await(b.transport.dial(a.addr()));
        ChatSession in = a.accept();
        Recorder ra = new Recorder(), rb = new Recorder();
        in.setListener(ra);
        out.setListener(rb);
        String utf8 = "héllo wörld ✓ 你好 🎉";
        await(out.send(ChatMessage.of("bob", utf8)));
        ChatMessage got = ra.next();
        assertEquals(utf8, got.text());
        await(in.send(ChatMessage.of(null, "back")));
        assertEquals("back", rb.next().text());
        for (int i = 0; i < 500; i++) out.send(ChatMessage.of(null, "m" + i));
        for (int i = 0; i < 500; i++) assertEquals("m" + i, ra.next().text());
    }

    @Test
    void nicksTravelWithMessagesAndFollowChanges() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        Recorder ra = new Recorder();
        a.accept().setListener(ra);
        out.setListener(new Recorder());
        await(out.send(ChatMessage.of("alice", "one")));
        ChatMessage first = ra.next();
        assertEquals("one", first.text());
        assertEquals(java.util.Optional.of("alice"), first.nick());
        await(out.send(ChatMessage.of("alicia", "two")));
        assertEquals(java.util.Optional.of("alicia"), ra.next().nick());
    }

    @Test
    void largeMessageArrivesWhole() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        Recorder ra = new Recorder();
        a.accept().setListener(ra);
        String big = "x".repeat(64 * 1024);
        await(out.send(ChatMessage.of(null, big)));
        assertEquals(big, ra.next().text());
    }

    @Test
    void messagesSentBeforeTheListenerIsSetAreNotLost() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        ChatSession in = a.accept();
        out.setListener(new Recorder());
        for (int i = 0; i < 20; i++) await(out.send(ChatMessage.of(null, "early" + i)));
        // pings are answered by the peer's transport with or without a listener, and the answer comes after
        // everything sent before it: so the messages have reached the peer before anyone listens there
        await(out.ping());
        Recorder ra = new Recorder();
        in.setListener(ra);
        for (int i = 0; i < 20; i++) assertEquals("early" + i, ra.next().text());
    }

    /** How many messages each ordering test sends. */
    protected static final int BURST = 1000;

    /**
     * Calls {@code send} {@code count} times, one call after another but each from one of several threads in turn
     * (call i happens before call i+1, as when an app hands its work between threads), without waiting for any send
     * to complete. Returns the sends' results.
     */
    protected static List<CompletableFuture<Void>> burst(ChatSession s, int count, IntFunction<ChatMessage> message) throws Exception {
        List<ExecutorService> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) threads.add(Executors.newSingleThreadExecutor());
        try {
            List<CompletableFuture<Void>> sent = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int n = i;
                sent.add(threads.get(i % threads.size()).submit(() -> s.send(message.apply(n)).toCompletableFuture()).get());
            }
            return sent;
        } finally {
            threads.forEach(ExecutorService::shutdown);
        }
    }

    /** Waits for every send to succeed, then for {@code count} messages at {@code r}: all there, in order. */
    private static void assertArrivedInOrder(List<CompletableFuture<Void>> sent, Recorder r, int count, IntFunction<ChatMessage> message) throws Exception {
        for (CompletableFuture<Void> f : sent) await(f);
        for (int i = 0; i < count; i++) {
            ChatMessage expected = message.apply(i), got = r.next();
            assertEquals(expected.text(), got.text(), "message " + i + " of the burst");
            if (expected.nick().isPresent()) assertEquals(expected.nick(), got.nick(), "nick of message " + i);
        }
    }

    @Test
    void burstRightAfterConnectArrivesCompleteAndInOrder() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        // before any stream or nick has been negotiated
        IntFunction<ChatMessage> m = i -> ChatMessage.of("alice", "burst " + i);
        List<CompletableFuture<Void>> sent = burst(out, BURST, m);
        Recorder ra = new Recorder();
        a.accept().setListener(ra);
        out.setListener(new Recorder());
        assertArrivedInOrder(sent, ra, BURST, m);
    }

    @Test
    void burstAcrossNickChangesArrivesInOrderWithEachNick() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        Recorder ra = new Recorder();
        a.accept().setListener(ra);
        out.setListener(new Recorder());
        await(out.send(ChatMessage.of("nick0", "hello")));
        assertEquals("hello", ra.next().text());
        IntFunction<ChatMessage> m = i -> ChatMessage.of("nick" + (i / 100), "line " + i); // a new nick every 100
        assertArrivedInOrder(burst(out, BURST, m), ra, BURST, m);
    }

    @Test
    void burstsBothWaysInSteadyStateArriveInOrder() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        ChatSession in = a.accept();
        Recorder ra = new Recorder(), rb = new Recorder();
        in.setListener(ra);
        out.setListener(rb);
        await(out.send(ChatMessage.of("bob", "warm-up")));
        await(in.send(ChatMessage.of("alice", "warm-up")));
        assertEquals("warm-up", ra.next().text());
        assertEquals("warm-up", rb.next().text());
        IntFunction<ChatMessage> toA = i -> ChatMessage.of("bob", "to a " + i), toB = i -> ChatMessage.of("alice", "to b " + i);
        CompletableFuture<List<CompletableFuture<Void>>> fromA = CompletableFuture.supplyAsync(() -> {
            try {
                return burst(in, BURST, toB);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        List<CompletableFuture<Void>> fromB = burst(out, BURST, toA);
        assertArrivedInOrder(fromB, ra, BURST, toA);
        assertArrivedInOrder(fromA.get(WAIT.toSeconds(), TimeUnit.SECONDS), rb, BURST, toB);
    }

    @Test
    void burstLargerThanThePeersBuffersWaitsForItAndArrivesInOrder() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        ChatSession in = a.accept();
        out.setListener(new Recorder());
        // 1000 × 2 KiB: more than a stream window or a socket buffer holds while the peer does not read
        String pad = "p".repeat(2048);
        IntFunction<ChatMessage> m = i -> ChatMessage.of("bob", i + " " + pad);
        List<CompletableFuture<Void>> sent = burst(out, BURST, m);
        Recorder ra = new Recorder();
        in.setListener(ra);
        assertArrivedInOrder(sent, ra, BURST, m);
    }

    @Test
    void wrongPeerIdFailsTheDialAndTheListenerLivesOn() throws Exception {
        Node a = node().listen();
        Node impostorTarget = node();
        Multiaddr wrong = a.addr().withPeerId(impostorTarget.identity.peerId());
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(node().transport.dial(wrong)));
        assertTrue(String.valueOf(e.getCause().getMessage()).contains("mismatch") || String.valueOf(e.getCause().getMessage()).contains(a.identity.peerId().toString()),
                "the error should say the peer is not who we dialed: " + e.getCause());
        ChatSession ok = await(node().transport.dial(a.addr()));
        assertEquals(a.identity.peerId(), ok.remotePeer());
    }

    @Test
    void pingMeasuresARoundTrip() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        a.accept().setListener(new Recorder());
        out.setListener(new Recorder()); // sessions read only once a listener is set
        Duration rtt = await(out.ping());
        assertTrue(!rtt.isNegative() && rtt.compareTo(WAIT) < 0, "rtt " + rtt);
    }

    @Test
    void orderlyCloseReachesThePeerWithoutACause() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        ChatSession in = a.accept();
        Recorder ra = new Recorder(), rb = new Recorder();
        in.setListener(ra);
        out.setListener(rb);
        await(out.close());
        assertNull(ra.awaitClosed(), "an orderly close is not a failure");
        rb.awaitClosed();
        assertFalse(in.isOpen());
        assertThrows(ExecutionException.class, () -> await(out.send(ChatMessage.of(null, "after close"))));
    }

    @Test
    void closingTheTransportClosesItsSessions() throws Exception {
        Node a = node().listen();
        Node b = node();
        ChatSession out = await(b.transport.dial(a.addr()));
        Recorder ra = new Recorder();
        a.accept().setListener(ra);
        out.setListener(new Recorder());
        b.transport.close();
        ra.awaitClosed();
    }

    @Test
    void listeningOnABusyPortFails() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress("127.0.0.1", 0));
            Multiaddr addr = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + busy.getLocalPort());
            assertThrows(ExecutionException.class, () -> await(node().transport.listen(addr)));
        }
    }

    @Test
    void refusesToDialAddressesItCannotSpeak() {
        Transport t = node().transport;
        assertFalse(t.canDial(Multiaddr.parse("/ip4/127.0.0.1/udp/4001/quic-v1")));
        assertTrue(t.canDial(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001")));
    }

    /**
     * Sends with {@code send(i)} for i = 0, 1, … (at most 4,096 times: 64 MiB of 16 KiB messages, far more than any
     * buffer on the way) until one is refused, pausing every 16 sends to let them reach the event loop so that the
     * buffers can fill. Collects the sends in {@code sends}; returns the index of the first refused one, or -1.
     */
    private static int sendUntilRefused(List<CompletableFuture<Void>> sends, IntFunction<CompletionStage<Void>> send) throws InterruptedException {
        for (int i = 0; i < 4096; i++) {
            sends.add(send.apply(i).toCompletableFuture());
            if (i % 16 != 15) continue;
            try {
                sends.get(i).get(100, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
                // waiting for the peer, or refused: what the callers are after
            }
            for (int j = 0; j < sends.size(); j++) {
                if (sends.get(j).isCompletedExceptionally()) return j;
            }
        }
        return -1;
    }

    @Test
    void anAppThatDoesNotKeepUpSlowsTheSenderInsteadOfQueueingWithoutEnd() throws Exception {
        Node a = node().listen();
        ChatSession out = await(node().transport.dial(a.addr()));
        ChatSession in = a.accept();
        out.setListener(new Recorder());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.BlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
        in.setListener(new lanchat.api.spi.SessionListener() {
            @Override
            public void onMessage(ChatSession s, ChatMessage m) {
                try {
                    release.await(); // an app stuck, e.g. on a terminal that does not take output
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                got.add(m.text());
            }

            @Override
            public void onClosed(ChatSession s, Throwable cause) {}
        });
        String pad = "s".repeat(16 * 1024);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        int firstRefused = sendUntilRefused(sends, i -> out.send(ChatMessage.of(null, i + " " + pad)));
        assertTrue(firstRefused >= 0, "sends are refused once every buffer on the way is full");
        assertTrue(firstRefused * 16L * 1024 < 24L << 20, "what the peer's app has not processed stays bounded: " + firstRefused + " lines of 16 KiB accepted");
        release.countDown();
        for (int n = 0; n < firstRefused; n++) {
            String line = got.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(line, "line " + n + " arrives once the app keeps up");
            assertTrue(line.startsWith(n + " "), "in order: " + line.substring(0, Math.min(20, line.length())));
        }
    }

    // ---- protocol channels ---------------------------------------------------------------------------------------

    /** A connected pair with {@link EchoProtocol} registered on both ends and the sessions' listeners set. */
    private ChatSession[] echoPair() throws Exception {
        Node a = node();
        a.transport.registerProtocol(EchoProtocol.handler());
        a.listen();
        Node b = node();
        b.transport.registerProtocol(EchoProtocol.handler());
        ChatSession out = await(b.transport.dial(a.addr()));
        ChatSession in = a.accept();
        in.setListener(new Recorder());
        out.setListener(new Recorder());
        return new ChatSession[] {out, in};
    }

    private static byte[] message(int i, int size) {
        byte[] m = new byte[size];
        java.util.Arrays.fill(m, (byte) i);
        if (size >= 4) java.nio.ByteBuffer.wrap(m).putInt(i);
        return m;
    }

    @Test
    void channelCarriesMessagesBothWaysInOrderAndClosesGracefully() throws Exception {
        ChatSession out = echoPair()[0];
        ProtocolChannel ch = await(out.openChannel(EchoProtocol.ID));
        assertEquals(EchoProtocol.ID, ch.protocol());
        assertEquals(Direction.OUTBOUND, ch.direction());
        assertEquals(out, ch.session());
        ChannelRecorder echoes = new ChannelRecorder();
        ch.setListener(echoes);
        int[] sizes = {0, 1, 100, 4096, EchoProtocol.LIMITS.maxMessageBytes()};
        // a sender paces itself by its sends: at most a few in flight (the send buffer is 4 maximum-size messages)
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            if (i >= 3) await(sent.get(i - 3));
            sent.add(ch.send(message(i, sizes[i % sizes.length])).toCompletableFuture());
        }
        for (CompletableFuture<Void> f : sent) await(f);
        for (int i = 0; i < 200; i++) assertArrayEquals(message(i, sizes[i % sizes.length]), echoes.next(), "echo " + i);
        await(ch.close());
        assertNull(echoes.awaitClosed(), "a graceful close is not a failure");
        assertFalse(ch.isOpen());
        assertThrows(ExecutionException.class, () -> await(ch.send(new byte[1])));
        // the session itself is unaffected
        assertTrue(out.isOpen());
        assertNotNull(await(out.ping()));
    }

    /** An inbound channel and the recorder its handler gave it. */
    private record Accepted(ProtocolChannel channel, ChannelRecorder recorder) {}

    @Test
    void channelsArriveAtTheRegisteredHandlerWithTheirMessages() throws Exception {
        Node a = node();
        java.util.concurrent.BlockingQueue<Accepted> accepted = new java.util.concurrent.LinkedBlockingQueue<>();
        a.transport.registerProtocol(new ProtocolHandler("/lanchat/test/sink/1.0.0", ChannelLimits.DEFAULT, ch -> {
            ChannelRecorder r = new ChannelRecorder();
            accepted.add(new Accepted(ch, r));
            ch.setListener(r);
        }));
        a.listen();
        Node b = node();
        b.transport.registerProtocol(new ProtocolHandler("/lanchat/test/sink/1.0.0", ChannelLimits.DEFAULT, ch -> ch.reset()));
        ChatSession out = await(b.transport.dial(a.addr()));
        ChatSession in = a.accept();
        ProtocolChannel ch = await(out.openChannel("/lanchat/test/sink/1.0.0"));
        ch.setListener(new ChannelRecorder());
        // sent before the peer's app has even seen the channel: held for its listener, not lost
        for (int i = 0; i < 10; i++) ch.send(message(i, 10));
        Accepted there = accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(there, "the peer's handler got the channel");
        assertEquals(Direction.INBOUND, there.channel().direction());
        assertEquals(in.remotePeer(), there.channel().session().remotePeer());
        for (int i = 0; i < 10; i++) assertArrayEquals(message(i, 10), there.recorder().next());
        // the peer resets: we hear why
        ProtocolChannel second = await(out.openChannel("/lanchat/test/sink/1.0.0"));
        ChannelRecorder r2 = new ChannelRecorder();
        second.setListener(r2);
        Accepted secondThere = accepted.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(secondThere);
        secondThere.channel().reset();
        assertNotNull(r2.awaitClosed(), "a reset is reported with a cause");
        assertNotNull(secondThere.recorder().awaitClosed(), "and the side that reset hears of it too, with a cause");
        assertFalse(second.isOpen());
    }

    @Test
    void aProtocolThePeerDoesNotSpeakIsRefusedAndTheSessionLivesOn() throws Exception {
        Node a = node().listen(); // registers nothing
        Node b = node();
        b.transport.registerProtocol(EchoProtocol.handler());
        ChatSession out = await(b.transport.dial(a.addr()));
        Recorder ra = new Recorder();
        a.accept().setListener(ra);
        out.setListener(new Recorder());
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(out.openChannel(EchoProtocol.ID)));
        assertTrue(e.getCause() instanceof ProtocolNotSupportedException, "refusal is ProtocolNotSupportedException: " + e.getCause());
        await(out.send(ChatMessage.of(null, "still here")));
        assertEquals("still here", ra.next().text());
        // and a protocol we did not register ourselves cannot be opened at all
        assertThrows(ExecutionException.class, () -> await(out.openChannel("/lanchat/test/unregistered/1.0.0")));
    }

    @Test
    void registrationIsCheckedAndClosedOnceTheTransportListens() throws Exception {
        Node a = node();
        a.transport.registerProtocol(EchoProtocol.handler());
        assertThrows(IllegalArgumentException.class, () -> a.transport.registerProtocol(EchoProtocol.handler()), "one handler per id");
        assertThrows(IllegalArgumentException.class, () -> new ProtocolHandler("no-slash", ChannelLimits.DEFAULT, ch -> { }));
        assertThrows(IllegalArgumentException.class, () -> new ProtocolHandler("/with space", ChannelLimits.DEFAULT, ch -> { }));
        a.listen();
        assertThrows(IllegalStateException.class, () -> a.transport.registerProtocol(new ProtocolHandler("/lanchat/test/late/1.0.0", ChannelLimits.DEFAULT, ch -> { })));
    }

    @Test
    void manyChannelsAtOnceUpToThePeersLimit() throws Exception {
        ChatSession out = echoPair()[0];
        int limit = EchoProtocol.LIMITS.maxInboundPerSession();
        List<ProtocolChannel> open = new ArrayList<>();
        List<ChannelRecorder> recorders = new ArrayList<>();
        List<CompletableFuture<ProtocolChannel>> opening = new ArrayList<>();
        for (int i = 0; i < limit; i++) opening.add(out.openChannel(EchoProtocol.ID).toCompletableFuture());
        for (CompletableFuture<ProtocolChannel> f : opening) {
            ProtocolChannel ch = await(f);
            ChannelRecorder r = new ChannelRecorder();
            ch.setListener(r);
            open.add(ch);
            recorders.add(r);
        }
        for (int round = 0; round < 20; round++) {
            for (int c = 0; c < limit; c++) open.get(c).send(message(c * 1000 + round, 64));
        }
        for (int c = 0; c < limit; c++) {
            for (int round = 0; round < 20; round++) assertArrayEquals(message(c * 1000 + round, 64), recorders.get(c).next(), "channel " + c + " message " + round);
        }
        ExecutionException over = assertThrows(ExecutionException.class, () -> await(out.openChannel(EchoProtocol.ID)));
        assertTrue(over.getCause() instanceof ProtocolNotSupportedException, "beyond the peer's limit a channel is refused: " + over.getCause());
        await(open.get(0).close());
        assertNull(recorders.get(0).awaitClosed());
        // a closed channel makes room for another (the peer may learn of the close a moment after we do)
        ProtocolChannel again = null;
        for (int attempt = 0; attempt < 50 && again == null; attempt++) {
            try {
                again = await(out.openChannel(EchoProtocol.ID));
            } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof ProtocolNotSupportedException, String.valueOf(e.getCause()));
                Thread.sleep(20);
            }
        }
        assertNotNull(again, "a channel can be opened again once one closed");
    }

    @Test
    void aReceiverThatDoesNotKeepUpSlowsTheSenderWithoutBuffering() throws Exception {
        Node a = node();
        ChannelRecorder atA = new ChannelRecorder();
        CompletableFuture<Void> release = new CompletableFuture<>();
        atA.gate = release; // nothing is done with until released
        ChannelLimits limits = new ChannelLimits(16 * 1024, 256 * 1024, 64 * 1024, 2);
        a.transport.registerProtocol(new ProtocolHandler("/lanchat/test/slow/1.0.0", limits, ch -> ch.setListener(atA)));
        a.listen();
        Node b = node();
        b.transport.registerProtocol(new ProtocolHandler("/lanchat/test/slow/1.0.0", limits, ch -> ch.reset()));
        ChatSession out = await(b.transport.dial(a.addr()));
        a.accept().setListener(new Recorder());
        out.setListener(new Recorder());
        ProtocolChannel ch = await(out.openChannel("/lanchat/test/slow/1.0.0"));
        ch.setListener(new ChannelRecorder());
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        int firstRefused = sendUntilRefused(sends, i -> ch.send(message(i, 16 * 1024)));
        assertTrue(firstRefused >= 0, "sends are refused once the buffers on the way are full");
        long acceptedBytes = firstRefused * 16L * 1024;
        assertTrue(acceptedBytes < 16L << 20, "a receiver that does not keep up bounds what the sender may queue: " + acceptedBytes + " bytes accepted");
        release.complete(null);
        for (int n = 0; n < firstRefused; n++) {
            await(sends.get(n));
            assertArrayEquals(message(n, 16 * 1024), atA.next(), "message " + n + " arrives, in order, once the receiver keeps up");
        }
    }

    @Test
    void channelsEndWithACauseWhenThePeerGoes() throws Exception {
        Node a = node();
        a.transport.registerProtocol(EchoProtocol.handler());
        a.listen();
        Node b = node();
        b.transport.registerProtocol(EchoProtocol.handler());
        ChatSession out = await(b.transport.dial(a.addr()));
        a.accept().setListener(new Recorder());
        out.setListener(new Recorder());
        ProtocolChannel ch = await(out.openChannel(EchoProtocol.ID));
        ChannelRecorder r = new ChannelRecorder();
        ch.setListener(r);
        await(ch.send(message(1, 10)));
        assertArrayEquals(message(1, 10), r.next());
        a.transport.close();
        assertNotNull(r.awaitClosed(), "the session's end ends its channels, with a cause");
        assertFalse(ch.isOpen());
        assertThrows(ExecutionException.class, () -> await(ch.send(new byte[1])));
    }

    @Test
    void aMessageOverTheLimitIsRefusedBeforeItIsSent() throws Exception {
        ChatSession out = echoPair()[0];
        ProtocolChannel ch = await(out.openChannel(EchoProtocol.ID));
        ChannelRecorder r = new ChannelRecorder();
        ch.setListener(r);
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(ch.send(new byte[EchoProtocol.LIMITS.maxMessageBytes() + 1])));
        assertTrue(e.getCause() instanceof IllegalArgumentException, String.valueOf(e.getCause()));
        await(ch.send(message(7, 8)));
        assertArrayEquals(message(7, 8), r.next(), "the channel still works");
    }

    // ---- resource limits ---------------------------------------------------------------------------------------

    /** A harness whose nodes run with {@code limits} changed from the defaults. */
    private TransportHarness limited(String... nameValue) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) m.put(nameValue[i], nameValue[i + 1]);
        TransportHarness h = new TransportHarness(provider(), options(), lanchat.api.resource.ResourceLimits.DEFAULTS.with(m));
        extraHarnesses.add(h);
        return h;
    }

    private final List<TransportHarness> extraHarnesses = new ArrayList<>();

    @AfterEach
    void closeExtraHarnesses() {
        extraHarnesses.forEach(TransportHarness::close);
    }

    /** True when the peer closed {@code s} (read returns end of stream) within {@code ms}. */
    private static boolean closedByPeer(java.net.Socket s, int ms) throws java.io.IOException {
        s.setSoTimeout(ms);
        try {
            while (true) {
                if (s.getInputStream().read() < 0) return true;
            }
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    @Test
    void connectionsInTheirHandshakeAreCappedPerAddressBeforeAByteIsRead() throws Exception {
        Node a = limited("transient.perIp", "3").node().listen();
        InetSocketAddress target = a.addr().withoutPeerId().toTcpSocketAddress();
        List<java.net.Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) idle.add(new java.net.Socket(target.getAddress(), target.getPort()));
            // accepted connections are set up on either event loop: wait until all three hold their slots
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (a.resources.handshaking().inboundConns() < 3 && System.nanoTime() < deadline) Thread.sleep(5);
            try (java.net.Socket fourth = new java.net.Socket(target.getAddress(), target.getPort())) {
                assertTrue(closedByPeer(fourth, 5000), "a fourth connection from the same address, still silent, is closed at once");
            }
            for (java.net.Socket s : idle) assertFalse(closedByPeer(s, 50), "the first three wait for their handshake (until its timeout)");
            assertEquals(3, a.resources.handshaking().inboundConns());
        } finally {
            for (java.net.Socket s : idle) s.close();
        }
        // once they are gone, a real peer from the same address gets in
        ChatSession ok = null;
        for (int attempt = 0; attempt < 50 && ok == null; attempt++) {
            try {
                ok = await(node().transport.dial(a.addr()));
            } catch (ExecutionException e) {
                Thread.sleep(50); // the listener may not have seen the sockets close yet
            }
        }
        assertNotNull(ok, "a real peer connects once the idle connections are gone");
        assertEquals(a.identity.peerId(), ok.remotePeer());
    }

    @Test
    void aPeerGetsNoMoreConnectionsThanItsLimit() throws Exception {
        TransportHarness h = limited("peer.inboundConns", "2");
        Node a = h.node().listen();
        Node b = h.node();
        List<ChatSession> fromB = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            fromB.add(await(b.transport.dial(a.addr())));
            a.accept();
        }
        Recorder third = new Recorder();
        try {
            ChatSession s = await(b.transport.dial(a.addr()));
            s.setListener(third);
            third.awaitClosed(); // the listener refused it once the handshake proved who it is
        } catch (ExecutionException refused) {
            // refused before our side saw it established: as good
        }
        assertNull(a.inbound.poll(500, TimeUnit.MILLISECONDS), "the listener never hands a third connection of one peer to its app");
        for (ChatSession s : fromB) assertTrue(s.isOpen(), "the first two stay");
        assertEquals(2, a.resources.system().inboundConns());
    }
}
