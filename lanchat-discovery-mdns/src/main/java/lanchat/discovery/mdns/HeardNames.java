package lanchat.discovery.mdns;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The rendezvous names heard on the LAN lately, for the network doctor ({@code /doctor}: "which rooms are in use
 * here?"): names only, from passive listening, each with when it was last heard. Bounded in memory and in age: at most
 * {@link #MAX_NAMES} names (hearing a new one forgets the one heard longest ago) and none older than
 * {@link #MAX_AGE_MS}, so a LAN host that sends thousands of made-up names costs 64 short entries, never more. The
 * clock (milliseconds) is given, so tests run it by hand. Thread-safe: the mDNS thread notes, the doctor's thread reads.
 */
final class HeardNames {
    static final int MAX_NAMES = 64;
    static final long MAX_AGE_MS = 60_000;

    private final LongSupplier clockMs;
    /** Name → when last heard, in the order last heard (oldest first): a re-heard name moves to the end. */
    private final LinkedHashMap<String, Long> heard = new LinkedHashMap<>();

    HeardNames(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** A service name ({@code room.local.}) seen in a packet; names that are no room (see {@link ServiceNames#roomOf}) are ignored. */
    void note(String serviceName) {
        String room = ServiceNames.roomOf(serviceName);
        if (room == null) return;
        long now = clockMs.getAsLong();
        synchronized (heard) {
            heard.remove(room);
            heard.put(room, now);
            expire(now);
            if (heard.size() > MAX_NAMES) heard.remove(heard.keySet().iterator().next());
        }
    }

    /** The names heard in the last minute, the one heard longest ago first. */
    List<String> recent() {
        long now = clockMs.getAsLong();
        synchronized (heard) {
            expire(now);
            return new ArrayList<>(heard.keySet());
        }
    }

    private void expire(long now) {
        for (Iterator<Map.Entry<String, Long>> it = heard.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue() <= MAX_AGE_MS) break; // in the order heard: the rest are newer
            it.remove();
        }
    }
}
