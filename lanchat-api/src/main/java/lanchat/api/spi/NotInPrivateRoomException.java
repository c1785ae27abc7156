package lanchat.api.spi;

import java.io.IOException;

/**
 * A connection of a private room (pre-shared key) failed before its security handshake completed: the other side
 * has another room key, or none. The private-network layer has no error signal of its own (the other side just
 * reads noise), so this is what a transport reports for any such failure; the app words it for people.
 */
public final class NotInPrivateRoomException extends IOException {
    private static final long serialVersionUID = 1L;
    /** The plain-words outcome; callers prefix who ("12D3KooW… is not in this private room (different room key)"). */
    public static final String OUTCOME = "is not in this private room (different room key)";

    public NotInPrivateRoomException(String who, Throwable cause) {
        super(who + " " + OUTCOME, cause);
    }
}
