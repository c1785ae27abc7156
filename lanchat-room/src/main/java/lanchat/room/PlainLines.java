package lanchat.room;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;

/**
 * Shows each line of a plain libp2p peer once, however many ways it arrives: straight from the peer (on each of its
 * sessions with us: two peers that dial each other at once hold two connections until one retires, and a chat peer
 * may write its line on each), and relayed (unsigned) by every room member that is connected to it. A line is new
 * when one source (one session of the peer, or one relaying member) has now delivered it more often than it was
 * shown: so a plain peer that says "ok" twice is shown twice, and the copies of other sources are not. Bounded: the last {@link #MAX_LINES} distinct (peer, text) pairs, kept as a hash of the text; per
 * pair, one count per source. Used by the room (what it relays into its log, what it forwards to its plain peers) and
 * by the app (what it shows). Not thread-safe: one owner thread.
 */
public final class PlainLines {
    public static final int MAX_LINES = 1024;

    private static final class Seen {
        int shown;
        /** Copies by source: a session of the plain peer, or the member that relayed it. At most sessions + members. */
        final Map<String, Integer> bySource = new HashMap<>();
    }

    private final Map<String, Seen> recent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
            return size() > MAX_LINES;
        }
    };

    /** Whether to show (relay, forward) this copy of {@code text}, which came straight from the plain peer on {@code session}. */
    public boolean firstDirectCopy(ChatSession session, String text) {
        return firstCopy(session.remotePeer(), text, "session " + session.connectionId());
    }

    /** Whether to show this copy of {@code plainPeer}'s {@code text}, which room member {@code relayedBy} (we included) relayed. */
    public boolean firstRelayedCopy(PeerId plainPeer, String text, PeerId relayedBy) {
        return firstCopy(plainPeer, text, "relay " + relayedBy);
    }

    private boolean firstCopy(PeerId plainPeer, String text, String source) {
        Seen s = recent.computeIfAbsent(plainPeer + " " + digest(text), k -> new Seen());
        int n = s.bySource.merge(source, 1, Integer::sum);
        if (n <= s.shown) return false;
        s.shown = n;
        return true;
    }

    private static String digest(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
