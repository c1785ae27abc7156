package lanchat.room;

import java.util.List;

import lanchat.api.PeerId;

/**
 * What a {@link Room} tells the app. Called on the room's thread, one event at a time: do not block (hand the line
 * to the console). Each message is handed over exactly once, ever: our own posts are returned by {@link Room#post}
 * and not repeated here.
 */
public interface RoomListener {
    /** A message that arrived while we are connected: show it now. */
    default void onLive(RoomMessage message) {}

    /**
     * Messages that arrived by catch-up (after an absence, from a late join, or filling a gap), sorted in room order
     * (hlc, author, seq) so that every node shows the same block: e.g. {@code — 12 messages while you were away —}.
     */
    default void onCatchUp(List<RoomMessage> messages) {}

    /** Every member that was to get this message of ours holds it now. */
    default void onDelivered(RoomMessage message) {}

    /** How many of our messages are not yet delivered changed (the {@code [N pending] >} prompt). */
    default void onPendingCount(int pending) {}

    /**
     * A session's room channel is open ({@code speaksRoom}), or its peer refused the room protocol and gets our lines
     * as plain chat lines (a go or js {@code /chat/1.x} peer): for {@code /peers}.
     */
    default void onPeerReady(PeerId peer, boolean speaksRoom) {}

    /** Something a peer sent was dropped, or the store failed: one line, once per cause, for the log. */
    default void onRejected(String reason) {}
}
