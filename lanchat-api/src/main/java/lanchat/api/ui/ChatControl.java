package lanchat.api.ui;

import java.util.List;

/**
 * What a front end may ask of the node. Calls may come from any thread. A node that is closing throws
 * {@link IllegalStateException} with a message fit for the user.
 */
public interface ChatControl {
    /**
     * Sends {@code text} to the room (or every connected peer).
     *
     * @throws IllegalStateException when it cannot be sent now (e.g. "slow down"); the message says why
     */
    SendResult send(String text);

    /** The connected peers, in the order they connected. */
    List<PeerView> peers();

    /** Our nick, or null when none was set. */
    String nick();

    /** @throws IllegalArgumentException when {@code nick} is not acceptable (the message says why) */
    void setNick(String nick);

    /** Pings every connected peer (round-trip times come back as {@link Frontend#info} lines); returns how many. */
    int ping();

    /** Runs the network doctor (a few seconds; call it off any event thread). */
    DoctorReport doctor();

    /** Leaves: same as the context's {@code leave}. */
    void quit();
}
