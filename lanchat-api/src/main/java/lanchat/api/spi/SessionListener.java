package lanchat.api.spi;

import lanchat.api.ChatMessage;

/** Events of one {@link ChatSession}, delivered in order on the transport's callback executor. */
public interface SessionListener {
    void onMessage(ChatSession session, ChatMessage message);

    /** The session ended; {@code cause} is null for an orderly close by either side. Delivered exactly once. */
    void onClosed(ChatSession session, Throwable cause);
}
