package lanchat.transport.libp2p;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import lanchat.api.PeerId;

/**
 * Which of our protocols each recently seen peer is known to speak: what its identify listed (on this connection or
 * an earlier one) and what it agreed to on a stream. A protocol known this way is proposed lazily (alone, with the
 * first data right behind it, no round trip waited for: {@link ConnectionContext#propose}), as go-libp2p does with
 * the protocols in its peerstore; a {@code na} to such a proposal makes us forget it.
 *
 * <p>Bounded whatever peers say: the last {@value #MAX_PEERS} peers (least recently used dropped first), and per peer
 * only ids we register ourselves (a peer's identify may list thousands). A peer id is authenticated by the handshake,
 * so a peer can only speak for itself. Thread-safe: connections on every event loop share one per transport.
 */
public final class KnownProtocols {
    static final int MAX_PEERS = 256;

    /** Our own protocol ids: nothing else is kept. */
    private final Predicate<String> ours;
    private final Map<PeerId, Set<String>> byPeer = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PeerId, Set<String>> eldest) {
            return size() > MAX_PEERS;
        }
    };

    KnownProtocols(Predicate<String> ours) {
        this.ours = ours;
    }

    /** The peer's identify listed {@code protocols} (all it speaks): this replaces what we knew of it. */
    public synchronized void identified(PeerId peer, Collection<String> protocols) {
        Set<String> spoken = new HashSet<>();
        for (String p : protocols) {
            if (ours.test(p)) spoken.add(p);
        }
        byPeer.put(peer, spoken);
    }

    /** The peer agreed to {@code protocol} on a stream. */
    public synchronized void agreed(PeerId peer, String protocol) {
        if (ours.test(protocol)) byPeer.computeIfAbsent(peer, p -> new HashSet<>()).add(protocol);
    }

    /** The peer answered {@code na} to {@code protocol}: it does not speak it (any more). */
    public synchronized void refused(PeerId peer, String protocol) {
        Set<String> spoken = byPeer.get(peer);
        if (spoken != null) spoken.remove(protocol);
    }

    /** The first of {@code preferred} the peer is known to speak, if any. */
    public synchronized Optional<String> firstSpoken(PeerId peer, List<String> preferred) {
        Set<String> spoken = byPeer.get(peer);
        if (spoken == null) return Optional.empty();
        return preferred.stream().filter(spoken::contains).findFirst();
    }

    /** Peers remembered now (tests). */
    synchronized int size() {
        return byPeer.size();
    }
}
