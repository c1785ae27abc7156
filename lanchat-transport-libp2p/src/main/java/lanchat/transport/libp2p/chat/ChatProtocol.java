package lanchat.transport.libp2p.chat;

import java.util.List;

/**
 * The chat protocol ids of go-libp2p's examples: {@code examples/chat} speaks {@code /chat/1.0.0},
 * {@code examples/chat-with-mdns} {@code /chat/1.1.0}. Both carry newline-terminated UTF-8 text.
 */
public final class ChatProtocol {
    public static final String V1_1 = "/chat/1.1.0";
    public static final String V1_0 = "/chat/1.0.0";
    /** What we propose when dialing, in order; a peer that answers {@code na} to the first gets the second. */
    public static final List<String> PROPOSALS = List.of(V1_1, V1_0);

    private ChatProtocol() {}
}
