package lanchat.bench;

import java.util.Optional;

import lanchat.api.ChatMessage;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.SessionListener;

/** The Java side of {@link BenchProtocol} as a server: one per inbound session, on the transport's callback thread. */
final class SpiEcho implements SessionListener {
    private long counted;

    static void serve(ChatSession s) {
        s.setListener(new SpiEcho());
    }

    @Override
    public void onMessage(ChatSession session, ChatMessage message) {
        String text = message.text();
        if (text.startsWith("d")) {
            counted += text.length() + 1; // + the newline: the bytes of the line on a libp2p chat stream
        } else if (text.equals(BenchProtocol.SYNC)) {
            session.send(new ChatMessage(Optional.empty(), BenchProtocol.SYNCED + counted));
            counted = 0;
        } else {
            session.send(message);
        }
    }

    @Override
    public void onClosed(ChatSession session, Throwable cause) {}
}
