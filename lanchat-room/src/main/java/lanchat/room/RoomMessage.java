package lanchat.room;

import java.time.Instant;
import java.util.Optional;

import lanchat.api.PeerId;

/**
 * One room message as the app shows it.
 *
 * @param author the peer whose key signed it (verified, never claimed)
 * @param seq the author's sequence number in this room
 * @param hlc the author's hybrid clock stamp: the room is ordered by (hlc, author, seq) on every node
 * @param sentAt the author's wall clock: for display only
 * @param nick the author's nick when it sent the line (display only; may be empty)
 * @param relayedFrom set when the author relayed, unsigned, the line of a plain libp2p peer: show it as
 *     "relayed by author, unsigned" (or, when {@code own}, as the plain peer's own line)
 * @param id the first hex digits of SHA-256 of the signed body
 * @param own whether this node is the author
 */
public record RoomMessage(String room, PeerId author, long seq, long hlc, Instant sentAt, String nick, String text, Optional<PeerId> relayedFrom,
                          String id, boolean own) {
    /** Signed by the one it is shown as coming from (false for lines relayed from plain libp2p peers). */
    public boolean signed() {
        return relayedFrom.isEmpty();
    }

    /** The nick, or the end of the author's peer id when it has none. */
    public String displayName() {
        return !nick.isEmpty() ? nick : relayedFrom.orElse(author).shortString();
    }
}
