package lanchat.ui.json.protocol;

import java.io.PrintStream;
import java.util.List;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.ui.Frontend;

/**
 * A front end that hands every node event, as one JSON event of the protocol, to {@link #emit} (stdout lines, WebSocket
 * frames); log lines go to stderr as plain text, never among the events. Subclasses add their transport and commands.
 */
public abstract class EventFrontend implements Frontend {
    protected final Events events = new Events();
    private final PrintStream err;

    protected EventFrontend(PrintStream err) {
        this.err = err;
    }

    /** One event, whole; called from several threads. */
    protected abstract void emit(String event);

    @Override
    public void listening(List<Multiaddr> addresses) {
        emit(events.listening(addresses));
    }

    @Override
    public void joined(String room) {
        emit(events.joined(room));
    }

    @Override
    public void connected(PeerId peer, boolean viaDiscovery) {
        emit(events.peerConnected(peer, viaDiscovery));
    }

    @Override
    public void disconnected(PeerId peer, String reason) {
        emit(events.peerDisconnected(peer, reason));
    }

    @Override
    public void message(PeerId from, String shownAs, ChatMessage message, long receivedAtMillis) {
        emit(events.message(from, shownAs, message, receivedAtMillis));
    }

    @Override
    public void delivered(String id, String text) {
        emit(events.delivered(id, text));
    }

    @Override
    public void info(String line) {
        emit(events.info(line));
    }

    @Override
    public void log(String line) {
        synchronized (err) {
            err.println(line);
        }
    }
}
