package lanchat.app.node;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;

/** Records what a {@link PeerManager} reports, one string per event: "connected ID", "disconnected ID reason", … */
public final class RecordingEvents implements NodeEvents {
    public final List<String> all = new CopyOnWriteArrayList<>();

    @Override
    public void connected(PeerId peer, boolean viaDiscovery) {
        all.add((viaDiscovery ? "connected(mdns) " : "connected ") + peer);
    }

    @Override
    public void disconnected(PeerId peer, String reason) {
        all.add("disconnected " + peer + " " + reason);
    }

    /** Each message as the user would see it: "shownAs: text". */
    public final List<String> shown = new CopyOnWriteArrayList<>();

    @Override
    public void message(PeerId from, String shownAs, ChatMessage message) {
        all.add("message " + from + " " + message.nick().map(n -> n + ": ").orElse("") + message.text());
        shown.add(shownAs + ": " + message.text());
    }

    @Override
    public void info(String line) {
        all.add("info " + line);
    }

    /** Events starting with {@code prefix}. */
    public List<String> starting(String prefix) {
        return all.stream().filter(e -> e.startsWith(prefix)).toList();
    }

    public long count(String prefix) {
        return starting(prefix).size();
    }

    public void clear() {
        all.clear();
    }
}
