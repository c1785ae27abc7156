package lanchat.app.node;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;

/** What the node tells its user interface. Called on the node's thread; implementations must not block. */
public interface NodeEvents {
    /** A peer became connected (its first live session). {@code viaDiscovery}: found through the room. */
    void connected(PeerId peer, boolean viaDiscovery);

    /** A peer's last session ended. */
    void disconnected(PeerId peer, String reason);

    /** A line from {@code from}, to be shown under {@code shownAs} ({@link PeerManager#display}: its nick, or nick#shortid). */
    void message(PeerId from, String shownAs, ChatMessage message);

    /** A status line for the user (dial failures, retries, command output). */
    void info(String line);
}
