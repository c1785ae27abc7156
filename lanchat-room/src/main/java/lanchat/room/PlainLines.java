package lanchat.room;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import lanchat.api.PeerId;

/**
 * Shows each line of a plain libp2p peer once, however many ways it arrives: straight from the peer, and relayed
 * (unsigned) by every room member that is connected to it. A line is new when one source has now delivered it more
 * often than it was shown: so a plain peer that says "ok" twice is shown twice, and each relayer's copies are not.
 * Bounded: the last {@link #MAX_LINES} distinct (peer, text) pairs, kept as a hash of the text. Used by the room (what
 * it forwards to its plain peers) and by the app (what it shows). Not thread-safe: one owner thread.
 */
public final class PlainLines {
    public static final int MAX_LINES = 1024;

    private static final class Seen {
        int shown;
        /** Copies by source: the plain peer itself (directly) or the member that relayed it. At most the room's members. */
        final Map<PeerId, Integer> bySource = new HashMap<>();
    }

    private final Map<String, Seen> recent = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
            return size() > MAX_LINES;
        }
    };

    /** Whether to show this copy of {@code plainPeer}'s {@code text}; {@code relayedBy} is the plain peer itself when it came directly. */
    public boolean firstCopy(PeerId plainPeer, String text, PeerId relayedBy) {
        Seen s = recent.computeIfAbsent(plainPeer + " " + digest(text), k -> new Seen());
        int n = s.bySource.merge(relayedBy, 1, Integer::sum);
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
