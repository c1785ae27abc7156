package lanchat.app.node;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;
import lanchat.api.ui.Frontend;
import lanchat.app.tui.Console;

/**
 * The node's events, handed to a front-end plugin other than the terminal (which takes them as they are, see
 * {@code LanChatCommand}). Room lines become {@code message} events with their author and sending time.
 */
public final class FrontendEvents implements NodeEvents {
    private final Frontend frontend;

    public FrontendEvents(Frontend frontend) {
        this.frontend = frontend;
    }

    @Override
    public void connected(PeerId peer, boolean viaDiscovery) {
        frontend.connected(peer, viaDiscovery);
    }

    @Override
    public void disconnected(PeerId peer, String reason) {
        frontend.disconnected(peer, reason);
    }

    @Override
    public void message(PeerId from, String shownAs, ChatMessage message) {
        frontend.message(from, shownAs, message, System.currentTimeMillis());
    }

    @Override
    public void info(String line) {
        frontend.info(line);
    }

    @Override
    public void roomMessage(RoomLine line) {
        if (line.author() == null) {
            frontend.info(line.shownAs() + ": " + line.text());
            return;
        }
        ChatMessage m;
        try {
            m = new ChatMessage(Optional.ofNullable(line.nick()).filter(n -> !n.isBlank()), line.text());
        } catch (IllegalArgumentException notANick) { // a room line's nick is the author's word: show it without
            m = new ChatMessage(Optional.empty(), line.text());
        }
        frontend.message(line.author(), line.shownAs(), m, line.sentAt() != null ? line.sentAt().toEpochMilli() : System.currentTimeMillis());
    }

    @Override
    public void delivered(String id, String text) {
        frontend.delivered(id, text);
    }

    @Override
    public void caughtUp(List<RoomLine> block) {
        frontend.info(block.size() + (block.size() == 1 ? " message" : " messages") + " while you were away:");
        block.forEach(this::roomMessage);
    }

    /** A {@link Console} for the app's own printers (file transfers) that writes to a front end as status lines. */
    public static Console asConsole(Frontend frontend) {
        return new Console() {
            @Override
            public void println(String line) {
                frontend.info(line);
            }

            @Override
            public void log(String line) {
                frontend.log(line);
            }

            @Override
            public void start(Consumer<String> onLine, Runnable onQuit) {
                // input is the front end's own
            }

            @Override
            public void close() {
                // the front end is closed by its owner
            }
        };
    }
}
