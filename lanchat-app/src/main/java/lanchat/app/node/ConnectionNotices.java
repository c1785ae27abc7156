package lanchat.app.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides which {@code ✓ connected to} / {@code ✗ disconnected from} lines the user sees (issue 13): anyone on the LAN
 * can make throw-away keys and connect with each, and one line per such peer would flood the terminal. Per source
 * host and interval, the first {@link #SHOWN_PER_HOST} connections are announced as usual (their disconnection too);
 * the rest are only counted, and at the end of the interval each such host gets one summary line:
 * <pre>
 *   * 1,234 more peers connected from 10.0.0.66 in the last 10 s (1,230 of them already left); not listed one by one
 * </pre>
 * A normal room (a handful of peers per host, joining now and then) never reaches the limit, so its lines are the
 * usual ones. Bounded: at most {@link #MAX_HOSTS} hosts are tracked per interval (beyond, counted under "other
 * hosts"); a host quiet for a whole interval is forgotten. Not thread-safe: used on the node's thread only.
 */
final class ConnectionNotices {
    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final int SHOWN_PER_HOST = 4;
    static final int MAX_HOSTS = 64;
    static final String OTHER_HOSTS = "other hosts";

    private static final class Host {
        int shown;
        long hiddenConnected, hiddenDisconnected;
    }

    private final long interval;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private long windowStart;
    private boolean open;

    ConnectionNotices() {
        this(INTERVAL);
    }

    ConnectionNotices(Duration interval) {
        this.interval = interval.toNanos();
    }

    /** A peer from {@code host} connected: true when its line is to be shown, false when it was counted instead. */
    boolean connected(long now, String host) {
        Host h = host(now, host);
        if (h.shown < SHOWN_PER_HOST && !host.equals(OTHER_HOSTS)) {
            h.shown++;
            return true;
        }
        h.hiddenConnected++;
        return false;
    }

    /** A peer whose connection was not announced left: counted for the summary of its host. */
    void hiddenDisconnected(long now, String host) {
        host(now, host).hiddenDisconnected++;
    }

    private Host host(long now, String host) {
        if (!open) {
            open = true;
            windowStart = now;
        }
        Host h = hosts.get(host);
        if (h == null) {
            String key = hosts.size() >= MAX_HOSTS ? OTHER_HOSTS : host;
            h = hosts.computeIfAbsent(key, k -> new Host());
        }
        return h;
    }

    /** When {@link #tick} has something to do; {@link Long#MAX_VALUE} when nothing is remembered. */
    long nextTick() {
        return open ? windowStart + interval : Long.MAX_VALUE;
    }

    /** Ends the interval if it is over: the summary lines of the hosts that had connections not shown. */
    List<String> tick(long now) {
        if (!open || now - windowStart < interval) return List.of();
        List<String> lines = new ArrayList<>();
        String span = " in the last " + Math.max(1, Math.round((now - windowStart) / 1e9)) + " s";
        for (Iterator<Map.Entry<String, Host>> it = hosts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Host> e = it.next();
            Host h = e.getValue();
            if (h.hiddenConnected > 0 || h.hiddenDisconnected > 0) {
                lines.add(count(h.hiddenConnected) + " more peers connected from " + e.getKey() + span
                        + (h.hiddenDisconnected > 0 ? " (" + count(h.hiddenDisconnected) + " not listed left)" : "") + "; not listed one by one (/peers lists who is connected)");
                // a host that flooded stays limited in the next interval: its count restarts there
                h.shown = SHOWN_PER_HOST;
                h.hiddenConnected = 0;
                h.hiddenDisconnected = 0;
            } else {
                it.remove(); // quiet: its next peers are announced as usual
            }
        }
        windowStart = now;
        open = !hosts.isEmpty();
        return lines;
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
