package lanchat.api.ui;

import java.util.List;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;

/**
 * One front end in use. Event methods are called on the node's threads: they must not block (print, queue, return).
 * The {@code ✓ connected to}, {@code ✓ mDNS connected to} and {@code ✗ disconnected from} lines of the terminal are a
 * user contract; other front ends say the same in their own form.
 */
public interface Frontend extends AutoCloseable {
    /** The node listens on these addresses (once, at start). */
    void listening(List<Multiaddr> addresses);

    /** The node joined room {@code room} (mDNS) and waits for peers. */
    void joined(String room);

    /** A peer became connected (its first live session). {@code viaDiscovery}: found through the room. */
    void connected(PeerId peer, boolean viaDiscovery);

    /** A peer's last session ended. */
    void disconnected(PeerId peer, String reason);

    /** A chat line from {@code from}, shown as {@code shownAs} (nick, or nick#shortid when needed to tell peers apart). */
    void message(PeerId from, String shownAs, ChatMessage message, long receivedAtMillis);

    /**
     * One of our lines ({@code id}: the room message's id, {@code text}) is now held by every member it was meant for
     * (the room's receipts): at most once per line; never for a node without the room log.
     */
    default void delivered(String id, String text) {}

    /** A status line for the user (dial failures, retries, round-trip times). */
    void info(String line);

    /** A diagnostic (log) line from the node or its plugins; kept apart from the chat. */
    void log(String line);

    /** Starts taking input on a thread of its own and returns. */
    void start(ChatControl control);

    /** Stops taking input and flushes what is printed. */
    @Override
    void close();
}
