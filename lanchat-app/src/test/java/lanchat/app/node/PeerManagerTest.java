package lanchat.app.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.policy.ReconnectPolicy;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.DiscoveryEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PeerManager} against an in-memory network ({@link FakeNetwork}) on a virtual-time loop ({@link ManualLoop}):
 * every step is deterministic, every delay is checked to the millisecond, nothing sleeps.
 */
class PeerManagerTest {
    /** No jitter, so that every delay is exact: 100, 200, 400, 800, 800… ms; the smaller peer waits 500 ms. */
    static final ReconnectPolicy POLICY = new ReconnectPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 2.0, 0.0, Duration.ofMillis(500));
    static final Duration FALLBACK = POLICY.fallbackDialAfter();
    static final Duration MS = Duration.ofMillis(1);
    static final Duration GRACE = PeerManager.REPLACEMENT_GRACE;

    /** Three peer ids in ascending order. */
    static PeerId small, mid, large;

    ManualLoop loop;
    FakeNetwork net;

    @BeforeAll
    static void ids() {
        List<PeerId> ids = Stream.generate(Identity::generate).limit(3).map(Identity::peerId).sorted(Comparator.naturalOrder()).toList();
        small = ids.get(0);
        mid = ids.get(1);
        large = ids.get(2);
    }

    @BeforeEach
    void setUp() {
        loop = new ManualLoop();
        net = new FakeNetwork();
    }

    /** A node listening on the fake network, not (yet) driven by a PeerManager: a passive remote peer. */
    FakeNetwork.Node listening(PeerId id) {
        FakeNetwork.Node n = net.node(id, loop);
        n.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"));
        return n;
    }

    /** A PeerManager on a listening node, wired as ChatNode wires it. */
    final class Managed {
        final FakeNetwork.Node node;
        final RecordingEvents events = new RecordingEvents();
        final PeerManager pm;

        Managed(PeerId id) {
            node = listening(id);
            pm = new PeerManager(id, node, loop, events, POLICY, new Random(1), () -> loop.now().toNanos());
            node.onInbound(pm::register);
        }
    }

    static Multiaddr unreachable(PeerId id) {
        return Multiaddr.parse("/ip4/127.0.0.1/tcp/1").withPeerId(id);
    }

    // ---- discovery and the dial rule ----

    @Test
    void discoveringASmallerPeerDialsAtOnce() {
        Managed me = new Managed(large);
        FakeNetwork.Node remote = listening(small);

        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(remote.address())));
        loop.runReady();

        assertEquals(List.of(remote.address()), me.node.dials);
        assertEquals(List.of("connected(mdns) " + small), me.events.all);
        assertEquals(1, remote.openSessions().size());
    }

    @Test
    void discoveringALargerPeerWaitsAndDialsOnlyAfterTheFallbackDelay() {
        Managed me = new Managed(small);
        FakeNetwork.Node remote = listening(large);

        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(large, List.of(remote.address())));
        loop.runReady();
        assertEquals(List.of(), me.node.dials, "the smaller peer must wait for the larger one to dial");

        loop.advance(FALLBACK.minus(MS));
        assertEquals(List.of(), me.node.dials, "dialed before fallbackDialAfter");

        loop.advance(MS);
        assertEquals(List.of(remote.address()), me.node.dials);
        assertEquals(List.of("connected(mdns) " + large), me.events.all);
    }

    @Test
    void anInboundConnectionBeforeTheFallbackCancelsTheFallbackDial() {
        Managed me = new Managed(small);
        FakeNetwork.Node remote = listening(large);

        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(large, List.of(remote.address())));
        loop.advance(FALLBACK.dividedBy(2));
        me.node.acceptFrom(remote); // the larger peer dials, as the rule says
        loop.runReady();
        assertEquals(List.of("connected(mdns) " + large), me.events.all);

        loop.advance(Duration.ofSeconds(10));
        assertEquals(List.of(), me.node.dials, "the fallback dial was not cancelled by the inbound connection");
        assertEquals(1, me.node.openSessions().size());
        assertEquals(0, loop.pending(), "timers left behind");
    }

    @Test
    void aRepeatedPeerFoundWhileWaitingDoesNotRestartTheFallbackTimer() {
        Managed me = new Managed(small);
        FakeNetwork.Node remote = listening(large);

        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(large, List.of(remote.address())));
        loop.advance(FALLBACK.minus(Duration.ofMillis(100)));
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(large, List.of(remote.address()))); // mDNS re-announces
        loop.advance(Duration.ofMillis(100));
        assertEquals(List.of(remote.address()), me.node.dials, "a re-announcement postponed the fallback dial");
    }

    // ---- simultaneous dials and duplicates ----

    /** The four steps that deliver two crossing connections to the two ends, in every possible order. */
    static Stream<List<Integer>> allOrders() {
        List<List<Integer>> out = new ArrayList<>();
        permute(new ArrayList<>(List.of(0, 1, 2, 3)), 0, out);
        return out.stream();
    }

    private static void permute(List<Integer> a, int k, List<List<Integer>> out) {
        if (k == a.size()) {
            out.add(List.copyOf(a));
            return;
        }
        for (int i = k; i < a.size(); i++) {
            java.util.Collections.swap(a, k, i);
            permute(a, k + 1, out);
            java.util.Collections.swap(a, k, i);
        }
    }

    private void release(List<FakeNetwork.Connection> conns, List<Integer> order) {
        for (int step : order) {
            FakeNetwork.Connection c = conns.get(step / 2);
            if (step % 2 == 0) c.completeDial();
            else c.deliverInbound();
            loop.runReady();
        }
    }

    @ParameterizedTest(name = "delivery order {0}")
    @MethodSource("allOrders")
    void simultaneousDialLeavesOneSessionAndBothEndsKeepTheSameOne(List<Integer> order) {
        Managed a = new Managed(large);
        Managed b = new Managed(small);
        net.manual = true;
        a.pm.addStaticPeer(b.node.address());
        b.pm.addStaticPeer(a.node.address());
        loop.runReady();
        assertEquals(2, net.pending.size(), "both should have dialed");
        List<FakeNetwork.Connection> conns = List.copyOf(net.pending);
        net.pending.clear();

        release(conns, order);
        loop.advance(Duration.ofSeconds(5));

        assertEquals(List.of(), net.pending, "a redial happened: the duplicate was taken for a disconnection");
        List<FakeNetwork.Session> openA = a.node.openSessions(), openB = b.node.openSessions();
        assertEquals(1, openA.size(), "A's open sessions: " + openA);
        assertEquals(1, openB.size(), "B's open sessions: " + openB);
        assertEquals(openA.get(0).connectionId(), openB.get(0).connectionId(), "the two ends kept different connections");
        assertEquals(a.node, conns.stream().filter(c -> c.outbound.connectionId().equals(openA.get(0).connectionId())).findFirst().orElseThrow().dialer(),
                "the survivor must be the connection the larger peer dialed");
        assertEquals(List.of("connected " + small), a.events.all, "A's events");
        assertEquals(List.of("connected " + large), b.events.all, "B's events");

        // and the survivor carries messages both ways, once each
        a.pm.broadcast("from A");
        b.pm.broadcast("from B");
        loop.runReady();
        assertEquals(List.of("message " + large + " from A"), b.events.starting("message"));
        assertEquals(List.of("message " + small + " from B"), a.events.starting("message"));
        assertEquals("outbound", a.pm.connectedPeers().get(0).direction());
        assertEquals("inbound", b.pm.connectedPeers().get(0).direction());
    }

    @ParameterizedTest(name = "delivery order {0}")
    @MethodSource("allOrders")
    void twoConnectionsDialedByTheSamePeerKeepTheSmallerConnectionIdOnBothEnds(List<Integer> order) {
        // e.g. a peer that dialed twice (a --peer and a discovery, or a restart racing its own redial)
        Managed a = new Managed(large);
        Managed b = new Managed(small);
        net.manual = true;
        List<FakeNetwork.Connection> conns = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            b.node.dial(a.node.address()).thenAccept(s -> loop.execute(() -> b.pm.register(s)));
        }
        conns.addAll(net.pending);
        net.pending.clear();

        release(conns, order);
        loop.advance(Duration.ofSeconds(5));

        String expected = conns.get(0).outbound.connectionId(); // ids are allocated in ascending order
        assertEquals(List.of(expected), a.node.openSessions().stream().map(ChatSession::connectionId).toList());
        assertEquals(List.of(expected), b.node.openSessions().stream().map(ChatSession::connectionId).toList());
        assertEquals(List.of("connected " + small), a.events.all);
        assertEquals(List.of("connected " + large), b.events.all);
    }

    @Test
    void aDuplicateSessionIsClosedWithoutADisconnectedEvent() {
        Managed me = new Managed(mid);
        FakeNetwork.Node remote = listening(large);

        FakeNetwork.Session first = me.node.acceptFrom(remote);
        loop.runReady();
        FakeNetwork.Session second = me.node.acceptFrom(remote);
        loop.runReady();
        assertTrue(second.isOpen(), "the duplicate should stay open for the replacement grace (the peer may still use it)");
        loop.advance(GRACE);

        assertTrue(first.isOpen(), "the survivor (smaller connection id, same dialer) was closed");
        assertFalse(second.isOpen(), "the duplicate was kept");
        assertEquals(1, second.closeCalls);
        assertEquals(List.of("connected " + large), me.events.all, "a duplicate must not produce connected/disconnected events");
        assertEquals(List.of("closed"), remote.received, "the remote should see exactly the duplicate closed");
        assertEquals(1, me.pm.connectedPeers().size());

        // a later real disconnection is still reported, once
        first.fail(new IOException("peer silent for 30 s"));
        loop.runReady();
        assertEquals(List.of("connected " + large, "disconnected " + large + " peer silent for 30 s"), me.events.all);
    }

    @Test
    void anOutboundSessionWinsOverALaterInboundFromASmallerPeer() {
        Managed me = new Managed(large);
        FakeNetwork.Node remote = listening(small);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(remote.address())));
        loop.runReady();
        FakeNetwork.Session out = me.node.sessions.get(0);

        FakeNetwork.Session in = me.node.acceptFrom(remote); // the smaller peer dials anyway (its fallback fired)
        loop.advance(GRACE);

        assertTrue(out.isOpen());
        assertFalse(in.isOpen());
        assertEquals(List.of("connected(mdns) " + small), me.events.all);
    }

    @Test
    void anOrderlyCloseIsReportedAfterTheReplacementGraceAndAFailureAtOnce() {
        Managed me = new Managed(small);
        FakeNetwork.Node r1 = listening(mid);
        FakeNetwork.Node r2 = listening(large);
        me.node.acceptFrom(r1);
        me.node.acceptFrom(r2);
        loop.runReady();
        me.events.clear();

        r1.sessions.get(0).close(); // r1 quits (or drops a duplicate of a connection still on its way)
        r2.sessions.get(0).fail(new IOException("peer silent for 30 s"));
        loop.runReady();
        assertEquals(List.of("disconnected " + large + " peer silent for 30 s"), me.events.all);
        loop.advance(GRACE.minus(MS));
        assertEquals(1, me.events.all.size(), "an orderly close was reported before the grace ran out");
        assertEquals(List.of(), me.pm.connectedPeers());
        loop.advance(MS);
        assertEquals(List.of("disconnected " + large + " peer silent for 30 s", "disconnected " + mid + " closed"), me.events.all);
    }

    @Test
    void aSessionThatReplacesAClosedOneWithinTheGraceIsSilent() {
        Managed me = new Managed(small);
        FakeNetwork.Node remote = listening(large);
        me.node.acceptFrom(remote);
        loop.runReady();

        remote.sessions.get(0).close();
        loop.advance(GRACE.dividedBy(2));
        assertEquals(List.of(), me.pm.connectedPeers(), "a closed session is not a connected peer, reported or not");
        me.node.acceptFrom(remote);
        loop.advance(Duration.ofSeconds(5));

        assertEquals(List.of("connected " + large), me.events.all);
        assertEquals(1, me.pm.connectedPeers().size());
    }

    @Test
    void messagesReceivedOnALosingDuplicateBeforeItClosesAreStillDelivered() {
        Managed me = new Managed(mid);
        FakeNetwork.Node remote = listening(large);
        me.node.acceptFrom(remote);
        loop.runReady();

        net.manual = true;
        remote.dial(me.node.address());
        FakeNetwork.Connection dup = net.pending.remove(0);
        dup.completeDial();
        dup.outbound.setListener(remote.recorder());
        dup.outbound.send(ChatMessage.of("carol", "sent on the duplicate"));
        dup.outbound.send(ChatMessage.of("carol", "and once more"));
        dup.deliverInbound();
        loop.advance(GRACE);

        assertFalse(dup.inbound.isOpen(), "the duplicate should lose (larger connection id)");
        assertEquals(List.of("connected " + large, "message " + large + " carol: sent on the duplicate", "message " + large + " carol: and once more"),
                me.events.all);
        assertEquals("carol", me.pm.display(large), "the nick a message carried is the peer's display name");
    }

    @Test
    void messagesAlreadyQueuedOnTheReplacedSessionAreDelivered() {
        // A (smaller) dialed B; then B (larger) dials A, and its connection wins. A message B sent on the first
        // connection just before is already queued for A's loop when the first connection is dropped.
        Managed me = new Managed(small);
        FakeNetwork.Node remote = listening(large);
        me.pm.addStaticPeer(remote.address());
        loop.runReady();
        FakeNetwork.Session first = me.node.sessions.get(0);
        FakeNetwork.Session remoteEndOfFirst = remote.sessions.get(0);

        net.manual = true;
        remote.dial(me.node.address());
        FakeNetwork.Connection winner = net.pending.remove(0);
        winner.completeDial();
        winner.outbound.setListener(remote.recorder());
        remoteEndOfFirst.send(ChatMessage.of(null, "in flight"));
        winner.deliverInbound();
        loop.advance(GRACE);

        assertFalse(first.isOpen());
        assertTrue(winner.inbound.isOpen());
        assertEquals(List.of("connected " + large, "message " + large + " in flight"), me.events.all);
    }

    @Test
    void aMessageSentOnTheLoserBeforeThePeerHasTheSurvivorIsDelivered() {
        // A (smaller) dialed B and both use that connection; then B's own dial completes at B first: B keeps it
        // (the larger peer's), but A does not have it yet and still sends on the first connection.
        Managed a = new Managed(small);
        Managed b = new Managed(large);
        a.pm.addStaticPeer(b.node.address());
        loop.runReady();
        assertEquals(List.of("connected " + large), a.events.all);

        net.manual = true;
        b.node.dial(a.node.address()).thenAccept(s -> loop.execute(() -> b.pm.register(s)));
        FakeNetwork.Connection winner = net.pending.remove(0);
        winner.completeDial();
        loop.runReady(); // B now prefers the winner; A knows nothing of it

        assertEquals(1, a.pm.broadcast("sent in the window"));
        loop.runReady();
        winner.deliverInbound();
        loop.runReady();
        assertEquals(1, a.pm.broadcast("sent on the survivor"));
        loop.advance(GRACE);

        assertEquals(List.of("message " + small + " sent in the window", "message " + small + " sent on the survivor"), b.events.starting("message"));
        assertEquals(List.of(winner.outbound.connectionId()), b.node.openSessions().stream().map(ChatSession::connectionId).toList());
        assertEquals(List.of(winner.inbound.connectionId()), a.node.openSessions().stream().map(ChatSession::connectionId).toList());
        assertEquals(List.of("connected " + large), a.events.all.stream().filter(e -> !e.startsWith("message")).toList());
        assertEquals(List.of("connected " + small), b.events.all.stream().filter(e -> !e.startsWith("message")).toList());
    }

    @Test
    void closeAlsoClosesADuplicateWaitingToBeRetired() {
        Managed me = new Managed(mid);
        FakeNetwork.Node remote = listening(large);
        me.node.acceptFrom(remote);
        FakeNetwork.Session dup = me.node.acceptFrom(remote);
        loop.runReady();
        assertTrue(dup.isOpen());

        me.pm.close();
        loop.runReady();
        assertEquals(List.of(), me.node.openSessions());
    }

    // ---- redialing ----

    @Test
    void aStaticPeerIsRedialedWithBackoffAfterItDisconnects() {
        Managed me = new Managed(small);
        FakeNetwork.Node remote = listening(large);
        me.pm.addStaticPeer(remote.address());
        loop.runReady();
        assertEquals(List.of("connected " + large), me.events.all);

        remote.stopListening(); // the peer goes away
        remote.sessions.get(0).close();
        loop.advance(GRACE);
        assertEquals("disconnected " + large + " closed", me.events.all.get(1));
        assertEquals(1, me.node.dials.size());

        loop.advance(Duration.ofMillis(99));
        assertEquals(1, me.node.dials.size(), "redialed before the first backoff delay");
        loop.advance(MS);
        assertEquals(2, me.node.dials.size(), "no redial after the first backoff delay");
        assertEquals(List.of("info cannot reach " + large.shortString() + ": Connection refused; retrying in 0.2 s"), me.events.starting("info"));

        loop.advance(Duration.ofMillis(199));
        assertEquals(2, me.node.dials.size());
        remote.resumeListening(); // the peer is back
        loop.advance(MS);
        assertEquals(3, me.node.dials.size());
        assertEquals("connected " + large, me.events.all.get(me.events.all.size() - 1));
        assertEquals(List.of(remote.address(), remote.address(), remote.address()), me.node.dials);

        // a successful connection resets the backoff: the next loss is redialed after the first delay again
        remote.sessions.get(remote.sessions.size() - 1).close();
        loop.advance(GRACE.plusMillis(100));
        assertEquals(4, me.node.dials.size(), "backoff was not reset by the successful connection");
        assertEquals(1, me.node.openSessions().size());
    }

    @Test
    void anUnreachablePeerIsReportedAndRetriedWithGrowingBoundedDelays() {
        Managed me = new Managed(small);
        Multiaddr nowhere = unreachable(large);
        me.pm.addStaticPeer(nowhere);
        loop.runReady();
        assertEquals(1, me.node.dials.size());

        long[] expectedDelays = {100, 200, 400, 800, 800, 800};
        int reported = -1;
        for (int i = 0; i < expectedDelays.length; i++) {
            if (PeerManager.worthReporting(i)) reported = i; // failures 1, 2, 4, 8… are reported
            String line = me.events.all.get(me.events.all.size() - 1);
            assertEquals(String.format(java.util.Locale.ROOT, "info cannot reach %s: Connection refused; retrying in %.1f s", large.shortString(), expectedDelays[reported] / 1000.0), line);
            loop.advance(Duration.ofMillis(expectedDelays[i] - 1));
            assertEquals(i + 1, me.node.dials.size(), "retry " + (i + 1) + " came early");
            loop.advance(MS);
            assertEquals(i + 2, me.node.dials.size(), "retry " + (i + 1) + " did not come after " + expectedDelays[i] + " ms");
        }
        assertTrue(me.node.dials.stream().allMatch(nowhere::equals));
        assertEquals(3, me.events.count("info cannot reach"), "failures 1, 2 and 4 of 6 are reported");
        assertEquals(0, me.events.count("connected"));
        assertEquals(1, loop.pending(), "exactly one retry should be pending");
    }

    @Test
    void numbersInStatusLinesDoNotDependOnTheLocale() {
        java.util.Locale saved = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.GERMANY); // would print "0,1 s" and "1,000 ms"
        try {
            Managed me = new Managed(small);
            me.pm.addStaticPeer(unreachable(large));
            FakeNetwork.Node remote = listening(mid);
            me.node.acceptFrom(remote);
            loop.runReady();
            me.pm.pingAll();
            loop.runReady();
            assertTrue(me.events.all.contains("info cannot reach " + large.shortString() + ": Connection refused; retrying in 0.1 s"), me.events.all.toString());
            assertTrue(me.events.all.contains("info ping " + mid.shortString() + ": 1.000 ms"), me.events.all.toString());
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }

    @Test
    void anUnreachableStaticPeerWithoutPeerIdIsRetriedToo() {
        Managed me = new Managed(small);
        Multiaddr nowhere = Multiaddr.parse("/ip4/127.0.0.1/tcp/1");
        me.pm.addStaticPeer(nowhere);
        loop.runReady();
        assertEquals(List.of("info cannot reach /ip4/127.0.0.1/tcp/1: Connection refused; retrying in 0.1 s"), me.events.all);
        loop.advance(Duration.ofMillis(100));
        assertEquals(2, me.node.dials.size());
        assertEquals("info cannot reach /ip4/127.0.0.1/tcp/1: Connection refused; retrying in 0.2 s", me.events.all.get(1));
    }

    @Test
    void aStaticPeerGivenWithoutPeerIdIsRedialedUnderTheIdItProved() {
        Managed me = new Managed(small);
        FakeNetwork.Node remote = listening(large);
        Multiaddr bare = remote.address().withoutPeerId();
        me.pm.addStaticPeer(bare);
        loop.runReady();
        assertEquals(List.of("connected " + large), me.events.all);

        remote.sessions.get(0).close();
        loop.advance(GRACE.plusMillis(100));
        assertEquals(List.of(bare, remote.address()), me.node.dials, "the redial should name the peer id learned on the first connection");
        assertEquals("connected " + large, me.events.all.get(2));
    }

    @Test
    void aStaticPeerWithoutIdThatIsThisNodeItselfIsDroppedWithOneInfoLine() {
        Managed me = new Managed(mid);
        Multiaddr ownAddress = me.node.address().withoutPeerId();
        me.pm.addStaticPeer(ownAddress);
        loop.advance(Duration.ofSeconds(30));

        assertEquals(List.of("info not dialing " + ownAddress + " again: it is this node itself"), me.events.all);
        assertEquals(List.of(ownAddress), me.node.dials);
        assertEquals(List.of(), me.node.openSessions());
        assertEquals(List.of(), me.pm.connectedPeers());
        assertEquals(0, loop.pending());
    }

    @Test
    void aDiscoveredLargerPeerIsRedialedAfterItDropsAndTheSmallerOneWaitsForIt() {
        Managed big = new Managed(large);
        FakeNetwork.Node remote = listening(small);
        big.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(remote.address())));
        loop.runReady();
        remote.sessions.get(0).fail(new IOException("connection reset"));
        loop.runReady();
        assertEquals("disconnected " + small + " connection reset", big.events.all.get(1));
        loop.advance(Duration.ofMillis(100));
        assertEquals(2, big.node.dials.size(), "the larger peer redials a still-found peer with backoff");

        Managed little = new Managed(mid);
        FakeNetwork.Node other = listening(large);
        little.pm.onDiscovery(new DiscoveryEvent.PeerFound(large, List.of(other.address())));
        little.node.acceptFrom(other);
        loop.runReady();
        other.sessions.get(0).fail(new IOException("connection reset"));
        loop.advance(FALLBACK.minus(MS));
        assertEquals(0, little.node.dials.size(), "the smaller peer should give the larger one fallbackDialAfter to redial");
        loop.advance(MS);
        assertEquals(1, little.node.dials.size());
    }

    // ---- PeerLost ----

    @Test
    void peerLostCancelsTheFallbackDial() {
        Managed me = new Managed(small);
        FakeNetwork.Node remote = listening(large);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(large, List.of(remote.address())));
        loop.advance(FALLBACK.dividedBy(2));
        me.pm.onDiscovery(new DiscoveryEvent.PeerLost(large));
        loop.advance(Duration.ofSeconds(10));
        assertEquals(List.of(), me.node.dials);
        assertEquals(0, loop.pending());
    }

    @Test
    void peerLostCancelsThePendingRetry() {
        Managed me = new Managed(large);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(unreachable(small))));
        loop.runReady();
        assertEquals(1, me.node.dials.size());
        assertEquals(1, me.events.count("info cannot reach"));

        me.pm.onDiscovery(new DiscoveryEvent.PeerLost(small));
        loop.advance(Duration.ofSeconds(10));
        assertEquals(1, me.node.dials.size(), "a lost peer was redialed");
        assertEquals(0, loop.pending());
    }

    @Test
    void aDialInFlightWhenThePeerIsLostIsNotRetriedNorAnnouncedAsRetrying() {
        Managed me = new Managed(large);
        Multiaddr addr = Multiaddr.parse("/ip4/127.0.0.9/tcp/7").withPeerId(small);
        net.hanging.add("127.0.0.9:7");
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(addr)));
        loop.runReady();
        assertEquals(1, me.node.hangingDials.size());

        me.pm.onDiscovery(new DiscoveryEvent.PeerLost(small));
        me.node.hangingDials.get(0).completeExceptionally(new IOException("connect timed out"));
        loop.advance(Duration.ofSeconds(10));

        assertEquals(1, me.node.dials.size(), "a lost peer was redialed");
        assertEquals(List.of("info cannot reach " + small.shortString() + ": connect timed out"), me.events.starting("info"));
        assertTrue(me.events.starting("info").stream().noneMatch(l -> l.contains("retrying")), "announced a retry that never comes: " + me.events.all);
        assertEquals(0, loop.pending());
    }

    @Test
    void peerLostDoesNotStopRedialingAStaticPeer() {
        Managed me = new Managed(large);
        me.pm.addStaticPeer(unreachable(small));
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(unreachable(small))));
        loop.runReady();
        me.pm.onDiscovery(new DiscoveryEvent.PeerLost(small));
        loop.advance(Duration.ofMillis(100));
        assertEquals(2, me.node.dials.size(), "a --peer must be redialed whatever discovery says");
    }

    // ---- undialable addresses ----

    @Test
    void addressesTheTransportCannotDialAreSkippedWithOneInfoLine() {
        Managed me = new Managed(large);
        List<Multiaddr> quic = List.of(Multiaddr.parse("/ip4/10.0.0.5/udp/4001/quic-v1/p2p/" + small));
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, quic));
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, quic)); // re-announced
        loop.advance(Duration.ofSeconds(10));

        assertEquals(List.of(), me.node.dials);
        assertEquals(1, me.events.all.size(), "events: " + me.events.all);
        assertTrue(me.events.all.get(0).startsWith("info skipping " + small), me.events.all.get(0));
        assertTrue(me.events.all.get(0).contains("fake transport"), me.events.all.get(0));
    }

    @Test
    void onlyTheDialableAddressesOfAPeerAreDialed() {
        Managed me = new Managed(large);
        FakeNetwork.Node remote = listening(small);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(Multiaddr.parse("/ip4/10.0.0.5/udp/4001/quic-v1/p2p/" + small), remote.address())));
        loop.runReady();
        assertEquals(List.of(remote.address()), me.node.dials);
        assertEquals(List.of("connected(mdns) " + small), me.events.all);
    }

    @Test
    void addressesAreTriedInOrderUntilOneConnects() {
        Managed me = new Managed(large);
        FakeNetwork.Node remote = listening(small);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(unreachable(small), remote.address())));
        loop.runReady();
        assertEquals(List.of(unreachable(small), remote.address()), me.node.dials);
        assertEquals(List.of("connected(mdns) " + small), me.events.all, "a failure on the first address should not be reported when the second works");
    }

    // ---- close ----

    @Test
    void closeClosesEverySessionAndStopsRedialing() {
        Managed me = new Managed(small);
        FakeNetwork.Node r1 = listening(mid);
        FakeNetwork.Node r2 = listening(large);
        me.pm.addStaticPeer(r1.address());
        me.pm.addStaticPeer(unreachable(large)); // keeps retrying
        me.node.acceptFrom(r2);
        loop.runReady();
        assertEquals(2, me.node.openSessions().size());
        int dialsBefore = me.node.dials.size();

        CompletableFuture<Void> closed = me.pm.close();
        loop.runReady();
        assertTrue(closed.isDone());
        assertEquals(List.of(), me.node.openSessions());
        assertEquals(List.of("closed"), r1.received, "r1 was not told");
        assertEquals(List.of("closed"), r2.received, "r2 was not told");

        loop.advance(Duration.ofSeconds(30));
        assertEquals(dialsBefore, me.node.dials.size(), "redialed after close()");

        // a connection that completes after close() is closed at once and not reported
        long before = me.events.count("connected");
        FakeNetwork.Session late = me.node.acceptFrom(r2);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(mid, List.of(r1.address())));
        loop.advance(Duration.ofSeconds(5));
        assertFalse(late.isOpen());
        assertEquals(before, me.events.count("connected"));
        assertEquals(dialsBefore, me.node.dials.size());
        assertEquals(0, loop.pending());
    }

    @Test
    void closeStopsRetryingAnAnonymousStaticPeer() {
        Managed me = new Managed(small);
        me.pm.addStaticPeer(Multiaddr.parse("/ip4/127.0.0.1/tcp/1"));
        loop.runReady();
        me.pm.close();
        loop.advance(Duration.ofSeconds(30));
        assertEquals(1, me.node.dials.size());
    }

    // ---- what the shell uses ----

    @Test
    void broadcastPingAndPeersCoverEveryConnectedPeer() {
        Managed me = new Managed(small);
        FakeNetwork.Node r1 = listening(mid);
        FakeNetwork.Node r2 = listening(large);
        me.pm.setNick("alice");
        me.pm.addStaticPeer(r1.address());
        me.node.acceptFrom(r2);
        loop.runReady();

        assertEquals(2, me.pm.broadcast("hello everyone"));
        loop.runReady();
        assertEquals(List.of("message hello everyone"), r1.received);
        assertEquals(List.of("message hello everyone"), r2.received);
        assertEquals("alice", me.node.sessions.get(0).sent.get(0).nick().orElseThrow());

        assertEquals(2, me.pm.pingAll());
        loop.runReady();
        assertEquals(2, me.events.all.stream().filter(l -> l.matches("info ping \\w+: 1\\.000 ms")).count(), me.events.all.toString());

        List<PeerManager.PeerInfo> peers = me.pm.connectedPeers();
        assertEquals(List.of(mid, large), peers.stream().map(PeerManager.PeerInfo::peer).toList());
        assertEquals(List.of("outbound", "inbound"), peers.stream().map(PeerManager.PeerInfo::direction).toList());
        assertTrue(IntStream.range(0, 2).allMatch(i -> peers.get(i).transport().equals("fake")));
    }

    @Test
    void broadcastWithNoPeersSendsNothing() {
        Managed me = new Managed(small);
        assertEquals(0, me.pm.broadcast("anyone?"));
        assertEquals(0, me.pm.pingAll());
        assertEquals(List.of(), me.pm.connectedPeers());
    }

    // ---- room mode: only members are accepted ----

    static final Duration ADMISSION = Duration.ofSeconds(5);

    @Test
    void inRoomModeAnInboundPeerOfTheRoomIsAcceptedOnceDiscoveryVouchesForIt() {
        Managed me = new Managed(small);
        me.pm.requireRoomMembership(ADMISSION);
        FakeNetwork.Node remote = listening(large);
        FakeNetwork.Session in = me.node.acceptFrom(remote); // it found us first
        loop.runReady();
        assertEquals(List.of(), me.events.all, "not admitted before its room record is seen");

        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(large, List.of(remote.address())));
        loop.runReady();
        assertEquals(List.of("connected(mdns) " + large), me.events.all);
        assertEquals(0, in.closeCalls);
        assertEquals(List.of(), me.node.dials, "the admitted inbound session is used; no dial");
    }

    @Test
    void inRoomModeAnInboundPeerOutsideTheRoomIsRefusedAfterTheGrace() {
        Managed me = new Managed(small);
        me.pm.requireRoomMembership(ADMISSION);
        FakeNetwork.Node stranger = listening(large);
        FakeNetwork.Session in = me.node.acceptFrom(stranger);
        loop.advance(ADMISSION.minus(MS));
        assertEquals(0, in.closeCalls);
        loop.advance(MS);
        assertEquals(1, in.closeCalls);
        assertEquals(List.of("info refused " + large + ": not a member of this room"), me.events.all);
        assertEquals(0, me.events.count("connected"));
    }

    @Test
    void inRoomModeAStaticPeerIsAcceptedWithoutARoomRecord() {
        Managed me = new Managed(small);
        me.pm.requireRoomMembership(ADMISSION);
        FakeNetwork.Node friend = listening(large);
        me.pm.addStaticPeer(friend.address());
        loop.runReady();
        assertEquals(List.of("connected " + large), me.events.all);
    }

    @Test
    void closingTheManagerClosesSessionsStillWaitingForAdmission() {
        Managed me = new Managed(small);
        me.pm.requireRoomMembership(ADMISSION);
        FakeNetwork.Session in = me.node.acceptFrom(listening(large));
        loop.runReady();
        me.pm.close();
        assertEquals(1, in.closeCalls);
        loop.advance(ADMISSION);
        assertEquals(List.of(), me.events.all, "no refusal line after close");
    }
    // ---- a hostile LAN (issue 13) ----

    /** {@code n} peers that exist only in spoofed records, each claiming 16 addresses on one victim host. */
    /**
     * {@code n} fake peers, each with 16 addresses at {@code victim}; all smaller than {@link #large}, so that a node
     * with that id dials every one of them at once (the larger id dials), whatever the random ids.
     */
    static List<DiscoveryEvent.PeerFound> spoofed(int n, String victim) {
        List<DiscoveryEvent.PeerFound> out = new ArrayList<>();
        while (out.size() < n) {
            PeerId fake = Identity.generate().peerId();
            if (!lanchat.api.policy.DialArbiter.shouldDial(large, fake)) continue;
            List<Multiaddr> addrs = new ArrayList<>();
            for (int k = 0; k < 16; k++) addrs.add(Multiaddr.parse("/ip4/" + victim + "/tcp/" + (40000 + k) + "/p2p/" + fake));
            out.add(new DiscoveryEvent.PeerFound(fake, addrs));
        }
        return out;
    }

    @Test
    void spoofedPeersAreDialedWithinTheNodesBudgetNotThousandsOfTimes() {
        // the attack of issue 13: 258 spoofed peers × 16 addresses made one node open 11,072 connections in 35 s
        Managed me = new Managed(mid);
        spoofed(258, "10.0.0.66").forEach(me.pm::onDiscovery);
        loop.advance(Duration.ofSeconds(35));
        long in35s = me.node.dials.size();
        assertTrue(in35s <= PeerManager.DIAL_BURST + 35 && in35s >= PeerManager.DIAL_BURST + 34, in35s + " dials in 35 s");

        loop.advance(Duration.ofSeconds(600 - 35));
        long in600s = me.node.dials.size();
        assertTrue(in600s <= PeerManager.DIAL_BURST + 600, in600s + " dials in 10 minutes");
        System.out.printf("258 spoofed peers × 16 addresses: %d dials in 35 s, %d in 10 min (budget: %d at once, then 1/s)%n", in35s, in600s, PeerManager.DIAL_BURST);
    }

    @Test
    void failuresOfManyRoomMembersAreOneLineThenOneSummaryPer10Seconds() {
        Managed me = new Managed(mid);
        for (DiscoveryEvent.PeerFound f : spoofed(100, "10.0.0.66")) me.pm.onDiscovery(new DiscoveryEvent.PeerFound(f.peer(), f.addresses().subList(0, 1)));
        loop.advance(Duration.ofMinutes(10));
        long lines = me.events.count("info");
        List<String> summaries = me.events.starting("info repeated ");
        assertTrue(lines <= 1 + 60, lines + " info lines in 10 minutes: " + me.events.all.stream().limit(5).toList());
        long reported = lines - summaries.size();
        for (String l : summaries) reported += l.startsWith("info repeated once") ? 1 : Long.parseLong(l.split(" ")[2].replace(",", ""));
        System.out.printf("100 unreachable room members: %d failure reports in 10 minutes shown as %d lines%n", reported, lines);
        assertTrue(reported > 2 * lines, "the throttle should have had something to fold: " + reported + " reports, " + lines + " lines");
        assertTrue(summaries.stream().allMatch(l -> l.contains(" in the last 10 s: cannot reach ")), summaries.stream().limit(5).toList().toString());
    }

    @Test
    void aDiscoveredPeerGetsFourAttemptsThenOnePer30Seconds() {
        Managed me = new Managed(large);
        DiscoveryEvent.PeerFound fake = spoofed(1, "10.0.0.66").get(0);
        me.pm.onDiscovery(fake);
        loop.runReady();
        assertEquals(PeerManager.PEER_DIAL_BURST, me.node.dials.size(), "the first round stops when the peer's budget is spent");
        loop.advance(Duration.ofSeconds(120));
        assertEquals(PeerManager.PEER_DIAL_BURST + 4, me.node.dials.size(), "then one attempt per 30 s: " + me.node.dials.size());
    }

    @Test
    void aGoodConnectionEarnsThePeerItsAttemptsBack() {
        Managed me = new Managed(large);
        FakeNetwork.Node remote = listening(small);
        Multiaddr dead = Multiaddr.parse("/ip4/10.0.0.9/tcp/1/p2p/" + small);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(small, List.of(dead, remote.address())));
        loop.runReady();
        assertEquals(List.of(dead, remote.address()), me.node.dials);
        for (int i = 0; i < 3; i++) { // three drops: each redial round costs two attempts, more than the burst of 4 without the refill
            remote.sessions.get(remote.sessions.size() - 1).fail(new IOException("connection reset"));
            loop.advance(Duration.ofMillis(100));
        }
        assertEquals(8, me.node.dials.size(), me.node.dials.toString());
        assertEquals(1, me.node.openSessions().size());
    }

    @Test
    void anAddressThatAnswersAsAnotherPeerIsDialedOnceForThatPeer() {
        Managed me = new Managed(large);
        FakeNetwork.Node real = listening(mid); // a real member; a spoofer claims its address for a peer of its own
        PeerId fake = small;
        Multiaddr claimed = real.address().withoutPeerId().withPeerId(fake);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(fake, List.of(claimed)));
        loop.advance(Duration.ofMinutes(10));

        assertEquals(List.of(claimed), me.node.dials, "a peer-id mismatch must not be retried");
        assertEquals(List.of(), me.node.openSessions());
        assertTrue(me.events.all.stream().anyMatch(l -> l.contains("not dialing " + fake.shortString() + ": every address it advertises answered as another peer")), me.events.all.toString());

        // the same record with one more address: only the new one is tried
        Multiaddr other = Multiaddr.parse("/ip4/10.0.0.7/tcp/9/p2p/" + fake);
        me.pm.onDiscovery(new DiscoveryEvent.PeerFound(fake, List.of(claimed, other)));
        loop.runReady();
        assertEquals(List.of(claimed, other), me.node.dials);
    }

    @Test
    void theTableForgetsPeersNothingRefersTo() {
        Managed me = new Managed(mid);
        List<DiscoveryEvent.PeerFound> fakes = spoofed(258, "10.0.0.66");
        fakes.forEach(me.pm::onDiscovery);
        loop.advance(Duration.ofSeconds(5));
        assertEquals(258, me.pm.tableSize());
        fakes.forEach(f -> me.pm.onDiscovery(new DiscoveryEvent.PeerLost(f.peer())));
        loop.advance(Duration.ofSeconds(30));
        assertEquals(0, me.pm.tableSize(), "lost peers are forgotten");
        assertEquals(0, loop.pending(), "nothing left scheduled for them");

        // strangers that connected and left, outside room mode
        for (int i = 0; i < 50; i++) me.node.acceptFrom(listening(Identity.generate().peerId()));
        loop.runReady();
        assertEquals(50, me.pm.tableSize());
        me.node.openSessions().forEach(FakeNetwork.Session::close);
        loop.advance(GRACE);
        assertEquals(0, me.pm.tableSize(), "disconnected strangers are forgotten");
    }

    /**
     * Issue 13 (a): 200 throw-away peers from one host connect and leave; the user sees the usual lines for the first
     * few and one summary for the rest, while a peer from another host is announced as usual meanwhile.
     */
    @Test
    void aFloodOfThrowAwayPeersFromOneHostIsSummarisedNotListed() {
        Managed me = new Managed(mid);
        String flooder = "10.0.0.66";
        List<FakeNetwork.Session> in = new ArrayList<>();
        for (int i = 0; i < 200; i++) in.add(me.node.acceptFrom(listening(Identity.generate().peerId()), flooder));
        loop.runReady();
        FakeNetwork.Node friend = listening(Identity.generate().peerId());
        me.node.acceptFrom(friend, "10.0.0.7");
        loop.runReady();
        in.forEach(FakeNetwork.Session::close);
        loop.advance(GRACE);

        int shown = ConnectionNotices.SHOWN_PER_HOST;
        assertEquals(shown + 1, me.events.count("connected "), me.events.all.toString());
        assertEquals(1, me.events.count("connected " + friend.self), "the friend is announced as usual");
        assertEquals(shown, me.events.count("disconnected "), "only announced peers are announced gone: " + me.events.all);
        loop.advance(ConnectionNotices.INTERVAL);
        List<String> summaries = me.events.starting("info ");
        assertEquals(List.of("info " + (200 - shown) + " more peers connected in the last 10 s, not listed one by one: " + (200 - shown)
                + " from 10.0.0.66 (" + (200 - shown) + " of those not listed left; /peers lists who is connected)"), summaries);

        // the next interval: the flooder stays summarised, a quiet interval later it is announced as usual again
        me.node.acceptFrom(listening(Identity.generate().peerId()), flooder);
        loop.runReady();
        assertEquals(shown + 1, me.events.count("connected "));
        loop.advance(ConnectionNotices.INTERVAL.multipliedBy(3));
        assertEquals(2, me.events.count("info "), me.events.all.toString());
        me.node.acceptFrom(listening(Identity.generate().peerId()), flooder);
        loop.runReady();
        assertEquals(shown + 2, me.events.count("connected "));
    }

    @Test
    void inRoomModeAtMost64StrangersWaitForTheirRecordAndTheRestAreRefusedAtOnce() {
        Managed me = new Managed(mid);
        me.pm.requireRoomMembership(ADMISSION);
        List<FakeNetwork.Session> in = new ArrayList<>();
        for (int i = 0; i < 100; i++) in.add(me.node.acceptFrom(listening(Identity.generate().peerId())));
        loop.runReady();
        assertEquals(PeerManager.MAX_UNADMITTED, in.stream().filter(FakeNetwork.Session::isOpen).count());
        assertEquals(PeerManager.MAX_UNADMITTED, me.pm.tableSize());
        loop.advance(ADMISSION);
        assertEquals(0, in.stream().filter(FakeNetwork.Session::isOpen).count());
        assertEquals(0, me.pm.tableSize());
        assertTrue(me.events.count("info") <= 2, "refusals are one line and a summary: " + me.events.all);
    }

    @Test
    void aSessionWhoseCloseEventWasRefusedIsForgottenLater() {
        Managed me = new Managed(mid);
        FakeNetwork.Node remote = listening(large);
        FakeNetwork.Session s = me.node.acceptFrom(remote);
        loop.runReady();
        s.setListener(me.node.recorder()); // the manager hears nothing more of s: as if the node's queue had refused its close
        remote.sessions.get(0).fail(new IOException("connection reset"));
        loop.advance(Duration.ofSeconds(5));
        assertEquals(1, me.pm.connectedPeers().size(), "the manager never heard of the close");
        me.pm.forgetClosedSessions();
        assertEquals(List.of(), me.pm.connectedPeers());
        assertEquals("disconnected " + large + " connection lost while the node was overloaded", me.events.all.get(me.events.all.size() - 1));
    }

    // ---- who is who: nick collisions (issue 13) ----

    /** {@code me} with one inbound session per id, each of which then says {@code hi} under {@code nicks[i]}. */
    List<String> shownAs(Managed me, List<PeerId> ids, String... nicks) {
        List<FakeNetwork.Session> sessions = new ArrayList<>();
        for (PeerId id : ids) sessions.add(me.node.acceptFrom(listening(id)));
        loop.runReady();
        for (int i = 0; i < ids.size(); i++) sessions.get(i).other.send(ChatMessage.of(nicks[i], "hi"));
        loop.runReady();
        me.events.shown.clear();
        for (int i = 0; i < ids.size(); i++) sessions.get(i).other.send(ChatMessage.of(nicks[i], "again"));
        loop.runReady();
        return List.copyOf(me.events.shown);
    }

    @Test
    void aNickThatIsUniqueIsShownAlone() {
        Managed me = new Managed(small);
        me.pm.setNick("carol");
        assertEquals(List.of("alice: again", "bob: again"), shownAs(me, List.of(mid, large), "alice", "bob"));
    }

    @Test
    void twoPeersWithOneNickAreBothShownWithTheirShortIds() {
        Managed me = new Managed(small);
        assertEquals(List.of("alice#" + mid.shortString() + ": again", "Alice#" + large.shortString() + ": again"),
                shownAs(me, List.of(mid, large), "alice", "Alice"));
    }

    @Test
    void aNickLikeAnotherPeersShortIdOrOursOrWithAHashIsShownWithItsOwnShortId() {
        Managed me = new Managed(small);
        me.pm.setNick("me");
        PeerId x = Identity.generate().peerId(), y = Identity.generate().peerId(), z = Identity.generate().peerId();
        PeerId w = Identity.generate().peerId();
        assertEquals(List.of(
                mid.shortString() + "#" + x.shortString() + ": again",      // poses as the nick-less peer mid
                small.shortString() + "#" + y.shortString() + ": again",    // poses as us
                "ME#" + z.shortString() + ": again",                        // our own nick
                "bob#" + mid.shortString() + "#" + w.shortString() + ": again", // poses as a disambiguated bob
                mid.shortString() + ": again"),                             // mid has no nick: its short id
                shownAs(me, List.of(x, y, z, w, mid), mid.shortString(), small.shortString(), "ME", "bob#" + mid.shortString(), null));
    }

    @Test
    void fullWidthLettersAreTheSameNick() {
        Managed me = new Managed(small);
        List<String> shown = shownAs(me, List.of(mid, large), "alice", "\uFF41\uFF4C\uFF49\uFF43\uFF45");
        assertEquals(List.of("alice#" + mid.shortString() + ": again", "\uFF41\uFF4C\uFF49\uFF43\uFF45#" + large.shortString() + ": again"), shown);
    }
}
