package lanchat.api.testkit;

import static lanchat.api.testkit.TransportHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportProvider;
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
}
