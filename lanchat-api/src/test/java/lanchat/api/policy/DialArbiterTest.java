package lanchat.api.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.SessionListener;
import org.junit.jupiter.api.Test;

class DialArbiterTest {

    /** Only what the arbiter looks at; everything else is unsupported. */
    record FakeSession(PeerId remotePeer, Direction direction, String connectionId) implements ChatSession {
        @Override public Multiaddr remoteAddress() { return Multiaddr.parse("/ip4/127.0.0.1/tcp/1"); }
        @Override public String transport() { return "fake"; }
        @Override public CompletionStage<Void> send(ChatMessage message) { throw new UnsupportedOperationException(); }
        @Override public CompletionStage<Duration> ping() { throw new UnsupportedOperationException(); }
        @Override public CompletionStage<lanchat.api.spi.ProtocolChannel> openChannel(String protocolId) { throw new UnsupportedOperationException(); }
        @Override public void setListener(SessionListener listener) { throw new UnsupportedOperationException(); }
        @Override public CompletionStage<Void> close() { throw new UnsupportedOperationException(); }
        @Override public boolean isOpen() { return true; }
    }

    /** One TCP connection seen from both ends: the dialer's OUTBOUND session is the listener's INBOUND one. */
    record Connection(PeerId dialer, PeerId listener, String id) {
        ChatSession seenFrom(PeerId self) {
            if (self.equals(dialer)) return new FakeSession(listener, Direction.OUTBOUND, id);
            if (self.equals(listener)) return new FakeSession(dialer, Direction.INBOUND, id);
            throw new IllegalArgumentException();
        }
    }

    private static PeerId id(int firstDigestByte, int lastDigestByte) {
        byte[] mh = new byte[34];
        mh[0] = 0x12;
        mh[1] = 0x20;
        mh[2] = (byte) firstDigestByte;
        mh[33] = (byte) lastDigestByte;
        return PeerId.fromBytes(mh);
    }

    private static final PeerId SMALL = id(0x10, 0), LARGE = id(0x90, 0); // 0x90 > 0x10 unsigned, < as a signed byte

    @Test
    void onlyTheLargerPeerDials() {
        assertTrue(DialArbiter.shouldDial(LARGE, SMALL));
        assertFalse(DialArbiter.shouldDial(SMALL, LARGE));
    }

    @Test
    void equalIdsNeverDial() {
        assertFalse(DialArbiter.shouldDial(SMALL, id(0x10, 0)));
    }

    @Test
    void shouldDialIsAntisymmetricAndTotalOverRandomIds() {
        Random rnd = new Random(51);
        for (int i = 0; i < 2000; i++) {
            PeerId a = id(rnd.nextInt(256), rnd.nextInt(4)), b = id(rnd.nextInt(256), rnd.nextInt(4));
            boolean ab = DialArbiter.shouldDial(a, b), ba = DialArbiter.shouldDial(b, a);
            if (a.equals(b)) {
                assertFalse(ab || ba, "equal ids: neither dials");
            } else {
                assertTrue(ab ^ ba, "exactly one of two distinct peers dials");
            }
        }
    }

    @Test
    void dialerIsTheSameFromBothEnds() {
        Connection c = new Connection(SMALL, LARGE, "c1");
        assertEquals(SMALL, DialArbiter.dialer(SMALL, c.seenFrom(SMALL)));
        assertEquals(SMALL, DialArbiter.dialer(LARGE, c.seenFrom(LARGE)));
    }

    @Test
    void simultaneousDialsKeepTheLargerPeersConnectionOnBothEnds() {
        Connection byLarge = new Connection(LARGE, SMALL, "zzz"), bySmall = new Connection(SMALL, LARGE, "aaa");
        // the connection id order would pick the other one: the dialer rule must come first
        ChatSession atLarge = DialArbiter.survivor(LARGE, byLarge.seenFrom(LARGE), bySmall.seenFrom(LARGE));
        ChatSession atSmall = DialArbiter.survivor(SMALL, bySmall.seenFrom(SMALL), byLarge.seenFrom(SMALL));
        assertEquals("zzz", atLarge.connectionId());
        assertEquals("zzz", atSmall.connectionId());
        assertEquals(Direction.OUTBOUND, atLarge.direction());
        assertEquals(Direction.INBOUND, atSmall.direction());
    }

    @Test
    void duplicatesFromTheSameDialerKeepTheSmallerConnectionId() {
        Connection first = new Connection(LARGE, SMALL, "b-2"), second = new Connection(LARGE, SMALL, "a-1");
        assertEquals("a-1", DialArbiter.survivor(LARGE, first.seenFrom(LARGE), second.seenFrom(LARGE)).connectionId());
        assertEquals("a-1", DialArbiter.survivor(SMALL, first.seenFrom(SMALL), second.seenFrom(SMALL)).connectionId());
        assertEquals("a-1", DialArbiter.survivor(SMALL, second.seenFrom(SMALL), first.seenFrom(SMALL)).connectionId());
        // even when the smaller peer dialed both (e.g. its fallback dial and a --peer dial)
        Connection x = new Connection(SMALL, LARGE, "x"), w = new Connection(SMALL, LARGE, "w");
        assertEquals("w", DialArbiter.survivor(LARGE, x.seenFrom(LARGE), w.seenFrom(LARGE)).connectionId());
        assertEquals("w", DialArbiter.survivor(SMALL, x.seenFrom(SMALL), w.seenFrom(SMALL)).connectionId());
    }

    @Test
    void bothEndsAlwaysPickTheSameConnectionWhateverTheArgumentOrder() {
        Random rnd = new Random(52);
        for (int i = 0; i < 2000; i++) {
            PeerId a = id(rnd.nextInt(256), rnd.nextInt(256)), b = id(rnd.nextInt(256), rnd.nextInt(256));
            if (a.equals(b)) continue;
            List<Connection> conns = new ArrayList<>();
            for (int n = 2 + rnd.nextInt(3); n > 0; n--) {
                boolean aDials = rnd.nextBoolean();
                conns.add(new Connection(aDials ? a : b, aDials ? b : a, "conn-" + rnd.nextInt(1000) + "-" + n));
            }
            Connection x = conns.get(rnd.nextInt(conns.size())), y = conns.get(rnd.nextInt(conns.size()));
            if (x == y) continue;
            String atA = DialArbiter.survivor(a, x.seenFrom(a), y.seenFrom(a)).connectionId();
            String atB = DialArbiter.survivor(b, y.seenFrom(b), x.seenFrom(b)).connectionId();
            assertEquals(atA, atB);
            // and the survivor was dialed by the larger peer whenever either connection was
            PeerId larger = a.compareTo(b) > 0 ? a : b;
            Connection kept = atA.equals(x.id()) ? x : y;
            if (x.dialer().equals(larger) || y.dialer().equals(larger)) assertEquals(larger, kept.dialer());
        }
    }

    @Test
    void preferenceOrdersLargerDialerFirstThenConnectionId() {
        List<ChatSession> sessions = new ArrayList<>(List.of(
                new FakeSession(SMALL, Direction.INBOUND, "b"),
                new FakeSession(SMALL, Direction.OUTBOUND, "a"),
                new FakeSession(SMALL, Direction.OUTBOUND, "c"),
                new FakeSession(SMALL, Direction.INBOUND, "a")));
        sessions.sort(DialArbiter.preference(LARGE));
        assertEquals(List.of("a", "c", "a", "b"), sessions.stream().map(ChatSession::connectionId).toList());
        assertEquals(List.of(Direction.OUTBOUND, Direction.OUTBOUND, Direction.INBOUND, Direction.INBOUND), sessions.stream().map(ChatSession::direction).toList());
    }

    @Test
    void identicalPreferenceKeepsTheFirstArgument() {
        ChatSession a = new FakeSession(SMALL, Direction.OUTBOUND, "same"), b = new FakeSession(SMALL, Direction.OUTBOUND, "same");
        assertSame(a, DialArbiter.survivor(LARGE, a, b));
    }

    @Test
    void sessionsToDifferentPeersAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DialArbiter.survivor(LARGE,
                new FakeSession(SMALL, Direction.OUTBOUND, "a"), new FakeSession(id(0x11, 0), Direction.OUTBOUND, "b")));
        assertEquals("sessions to different peers", e.getMessage());
    }
}
