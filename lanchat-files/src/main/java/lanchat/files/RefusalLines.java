package lanchat.files;

import java.util.HashMap;
import java.util.Map;

import lanchat.api.PeerId;

/**
 * Decides which refused offers the user hears about: a peer may offer in a loop (10,000 offers is a few seconds of
 * work for it), so per peer at most one line per interval and at most {@code perPeer} lines in the whole run, then one
 * "further refusals not shown" line and silence. The peers remembered are bounded too ({@link #MAX_PEERS}; a node
 * has far fewer connections than that at once): past it, one line says so and new peers' refusals are not shown.
 * Thread-safe.
 */
final class RefusalLines {
    static final int MAX_PEERS = 1024;

    private final int perPeer;
    private final long intervalNanos;
    private final Map<PeerId, Count> seen = new HashMap<>();
    private boolean othersSilenced;

    private static final class Count {
        int shown;
        long lastNanos;
    }

    RefusalLines(int perPeer, long intervalNanos) {
        this.perPeer = perPeer;
        this.intervalNanos = intervalNanos;
    }

    /** The line to show for refusing an offer of {@code peer} for {@code why} at {@code now} (System.nanoTime), or null. */
    synchronized String line(PeerId peer, String why, long now) {
        Count c = seen.get(peer);
        if (c == null) {
            if (seen.size() >= MAX_PEERS) {
                if (othersSilenced) return null;
                othersSilenced = true;
                return "refused offers from more than " + MAX_PEERS + " peers this run; refusals from further peers not shown";
            }
            c = new Count();
            c.lastNanos = now - intervalNanos;
            seen.put(peer, c);
        }
        if (c.shown > perPeer) return null;
        if (c.shown == perPeer) {
            c.shown++;
            return "refused an offer from " + peer.shortString() + ": " + why + "; further refusals from " + peer.shortString()
                    + " not shown (file.refusalLines: " + perPeer + ")";
        }
        if (now - c.lastNanos < intervalNanos) return null;
        c.shown++;
        c.lastNanos = now;
        return "refused an offer from " + peer.shortString() + ": " + why;
    }

    synchronized int peers() {
        return seen.size();
    }
}
