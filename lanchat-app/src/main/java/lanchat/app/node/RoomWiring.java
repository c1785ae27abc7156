package lanchat.app.node;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import lanchat.api.ChatMessage;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.app.node.NodeEvents.RoomLine;
import lanchat.room.PendingMessage;
import lanchat.room.PlainLines;
import lanchat.room.Room;
import lanchat.room.RoomConfig;
import lanchat.room.RoomListener;
import lanchat.room.RoomMessage;

/**
 * Between the node and its room log (issue 14). The {@link PeerManager} hands it sessions and plain chat lines; the
 * {@link Room} hands it messages, on the room's thread, which it moves to the node thread (where the peers' display
 * names live) and turns into {@link RoomLine}s for {@link NodeEvents}.
 *
 * <h2>How a line is shown</h2>
 * <ul>
 *   <li>a signed room message: {@code name: text}, the name as {@link PeerManager#displayAuthor} makes it (the
 *       author's signed nick, {@code nick#shortid} when mistakable, else its short id);</li>
 *   <li>a line of a plain libp2p peer (go, js; no signature), straight from it: {@code x7Kq9z (unsigned): text};</li>
 *   <li>the same relayed by room member B, for members not connected to that peer:
 *       {@code x7Kq9z (relayed by bob, unsigned): text}.</li>
 * </ul>
 * Each line once: the room log gives each message once (its store is the dedupe), and {@link PlainLines} collapses a
 * plain peer's line that arrives directly and relayed by several members. LAN Chat peers never get a line twice
 * (room message and plain chat line): the room sends plain lines only to sessions that refused the room protocol.
 */
final class RoomWiring implements RoomListener, PeerManager.SessionRoom {
    private static final Logger LOG = LoggerFactory.getLogger("lanchat.room");

    private final Room room;
    private final PeerId self;
    private final Executor nodeThread;
    private final PeerManager peers;
    private final NodeEvents events;
    /** Node thread only. */
    private final PlainLines plainLines = new PlainLines();
    /**
     * What each peer is to the room as the room last said ({@link #onPeerReady}): for {@code /peers}. Node thread only;
     * bounded (least recently used dropped): a peer that comes back is decided again on its new session.
     */
    private final Map<PeerId, Boolean> speaksRoom = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PeerId, Boolean> eldest) {
            return size() > MAX_REMEMBERED_PEERS;
        }
    };
    static final int MAX_REMEMBERED_PEERS = 1024;

    /** Opens the room (its history opens on the room's own thread, off the start-up path). */
    RoomWiring(RoomConfig config, Executor nodeThread, PeerManager peers, NodeEvents events) {
        this.self = config.identity().peerId();
        this.nodeThread = nodeThread;
        this.peers = peers;
        this.events = events;
        this.room = Room.open(config, this); // last: its thread may call us at once
    }

    Room room() { return room; }

    // ---- sessions (node thread) ----

    @Override
    public void attach(ChatSession session) {
        room.attach(session);
    }

    @Override
    public void detach(ChatSession session) {
        room.detach(session);
    }

    @Override
    public PeerManager.RoomRole roleOf(PeerId peer) {
        Boolean member = speaksRoom.get(peer);
        return member == null ? PeerManager.RoomRole.PENDING : member ? PeerManager.RoomRole.MEMBER : PeerManager.RoomRole.PLAIN;
    }

    @Override
    public void onPeerReady(PeerId peer, boolean member) {
        onNodeThread(() -> speaksRoom.put(peer, member));
    }

    @Override
    public void plainLine(ChatSession session, String shownAs, ChatMessage message) {
        // shown here, whatever the room does with it: its rate and size limits bound what it keeps and relays, not
        // what a directly connected peer may say (the transports bound that)
        if (plainLines.firstDirectCopy(session, message.text())) {
            events.message(session.remotePeer(), shownAs + " (unsigned)", message);
        }
        room.onPlainMessage(session, message);
    }

    // ---- the room's events (room thread → node thread) ----

    @Override
    public void onLive(RoomMessage m) {
        if (m.own() && m.relayedFrom().isPresent()) return; // a plain peer's line we relayed: shown when it came
        onNodeThread(() -> {
            RoomLine line = firstCopy(m);
            if (line != null) events.roomMessage(line);
        });
    }

    @Override
    public void onCatchUp(List<RoomMessage> messages) {
        onNodeThread(() -> {
            List<RoomLine> lines = messages.stream().map(this::firstCopy).filter(Objects::nonNull).toList();
            if (!lines.isEmpty()) events.caughtUp(lines);
        });
    }

    @Override
    public void onDelivered(RoomMessage m) {
        if (m.own() && m.signed()) onNodeThread(() -> events.delivered(m.id(), m.text()));
    }

    @Override
    public void onPendingCount(int pending) {
        onNodeThread(() -> events.pending(pending));
    }

    @Override
    public void onRejected(String reason) {
        LOG.warn(reason); // once per cause (the room), then throttled (the log router)
    }

    private void onNodeThread(Runnable r) {
        try {
            nodeThread.execute(r);
        } catch (RejectedExecutionException closing) {
            // the node is shutting down: nothing more to show
        }
    }

    // ---- formatting (node thread) ----

    /** The line, or null when it is a copy of a plain peer's line already shown. */
    private RoomLine firstCopy(RoomMessage m) {
        if (m.relayedFrom().isPresent() && !plainLines.firstRelayedCopy(m.relayedFrom().get(), m.text(), m.author())) return null;
        return shown(m);
    }

    /** How {@code m} is shown, in the chat and in {@code /history} and {@code /search}. */
    RoomLine shown(RoomMessage m) {
        if (m.relayedFrom().isPresent()) {
            String plain = peers.displayAuthor(m.relayedFrom().get(), m.nick(), false); // the nick is the relayer's word, not the peer's
            String via = m.own() ? "" : "relayed by " + peers.displayAuthor(m.author(), "", false) + ", ";
            return new RoomLine(plain + " (" + via + "unsigned)", m.text(), m.relayedFrom().get(), m.nick(), m.sentAt());
        }
        return new RoomLine(m.own() ? ownName() : peers.displayAuthor(m.author(), m.nick(), true), m.text(), m.author(), m.nick(), m.sentAt());
    }

    /** One {@code /pending} line: the text and who lacks it. */
    String pendingLine(PendingMessage p) {
        String who = p.missing().isEmpty() ? "nobody is connected to take it yet"
                : "not yet held by " + String.join(", ", p.missing().stream().map(id -> peers.displayAuthor(id, "", false)).toList());
        return "pending: \"" + abbreviate(p.message().text()) + "\" — " + who;
    }

    private String ownName() {
        return peers.nick() != null ? peers.nick() : self.shortString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "…";
    }
}
