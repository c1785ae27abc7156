package lanchat.api.policy;

import java.util.Comparator;

import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;

/**
 * The one deterministic rule, shared by every plugin, that decides who dials and which connection survives.
 *
 * <p>Peer ids are compared as unsigned bytes of their multihash (as go-libp2p compares {@code peer.ID}). When two
 * peers find each other, only the larger dials; if two connections join them anyway (simultaneous dial, a restart, a
 * direct {@code --peer} dial), both ends keep the connection dialed by the larger peer, and between two dialed by the
 * same peer, the one with the smaller {@link ChatSession#connectionId()}. Both ends compute the same answer from
 * facts both ends know.
 */
public final class DialArbiter {
    private DialArbiter() {}

    /** True when {@code self} should dial {@code remote} on discovering it. */
    public static boolean shouldDial(PeerId self, PeerId remote) {
        return self.compareTo(remote) > 0;
    }

    /** Which peer dialed {@code s}, seen from {@code self}. */
    public static PeerId dialer(PeerId self, ChatSession s) {
        return s.direction() == Direction.OUTBOUND ? self : s.remotePeer();
    }

    /** Of two sessions to the same remote peer, the one both ends keep. */
    public static ChatSession survivor(PeerId self, ChatSession a, ChatSession b) {
        if (!a.remotePeer().equals(b.remotePeer())) throw new IllegalArgumentException("sessions to different peers");
        return preference(self).compare(a, b) <= 0 ? a : b;
    }

    /** Orders sessions to one peer from most to least preferred. */
    public static Comparator<ChatSession> preference(PeerId self) {
        Comparator<ChatSession> largerDialerFirst = Comparator.comparing((ChatSession s) -> dialer(self, s)).reversed();
        return largerDialerFirst.thenComparing(ChatSession::connectionId);
    }
}
