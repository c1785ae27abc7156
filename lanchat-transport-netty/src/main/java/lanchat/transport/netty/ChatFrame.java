package lanchat.transport.netty;

import lanchat.api.ChatMessage;

/** What travels inside the encrypted channel; see {@link ChatFrameCodec} for the bytes. */
sealed interface ChatFrame {
    record Message(ChatMessage message) implements ChatFrame {}

    record Ping(long id) implements ChatFrame {}

    record Pong(long id) implements ChatFrame {}

    /** The sender is closing on purpose: not a failure. */
    record Bye() implements ChatFrame {}
}
