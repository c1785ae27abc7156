package lanchat.app.node;

import java.util.List;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;

/** What the node tells its user interface. Called on the node's thread; implementations must not block. */
public interface NodeEvents {
    /** A peer became connected (its first live session). {@code viaDiscovery}: found through the room. */
    void connected(PeerId peer, boolean viaDiscovery);

    /** A peer's last session ended. */
    void disconnected(PeerId peer, String reason);

    /**
     * {@link #connected(PeerId, boolean)} with the name the peer is shown as ({@link PeerManager#display}) when it has
     * said a nick by now (a peer that comes back), else null: for a terminal that names peers in these lines.
     */
    default void connected(PeerId peer, boolean viaDiscovery, String shownAs) {
        connected(peer, viaDiscovery);
    }

    /** {@link #disconnected(PeerId, String)} with the name the peer is shown as when it said a nick, else null. */
    default void disconnected(PeerId peer, String reason, String shownAs) {
        disconnected(peer, reason);
    }

    /** A line from {@code from}, to be shown under {@code shownAs} ({@link PeerManager#display}: its nick, or nick#shortid). */
    void message(PeerId from, String shownAs, ChatMessage message);

    /** A status line for the user (dial failures, retries, command output). */
    void info(String line);

    // ---- the room log (issue 14) ----

    /** One line of the room as shown: {@code shownAs} already says whether it is signed (see {@link RoomWiring}). */
    record RoomLine(String shownAs, String text, PeerId author, String nick, java.time.Instant sentAt) {
        /** A line as shown, without its source (what the terminal needs). */
        public RoomLine(String shownAs, String text) {
            this(shownAs, text, null, null, null);
        }
    }

    /** A room message that arrived live. */
    default void roomMessage(RoomLine line) {
        info(line.shownAs() + ": " + line.text());
    }

    /** Messages that came by catch-up (an absence, a late join), in room order: to be shown as one block. */
    default void caughtUp(List<RoomLine> block) {
        block.forEach(this::roomMessage);
    }

    /** One of our lines ({@code id}: its room message id) is now held by every member it was meant for. */
    default void delivered(String id, String text) {}

    /** How many of our lines are not yet held by every member changed (the {@code [N pending] >} prompt). */
    default void pending(int count) {}
}
