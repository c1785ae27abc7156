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
 * the rest are only counted, and at the end of the interval one line sums them up, the busiest hosts first:
 * <pre>
 *   * 1,234 more peers connected in the last 10 s, not listed one by one: 1,200 from 10.0.0.66, 34 from 10.0.0.67 (1,230 of them left; /peers lists who is connected)
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
    /** Hosts named in a summary line; the rest are counted. */
    static final int SUMMARY_HOSTS = 4;

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

    /** Ends the interval if it is over: the summary of the connections not shown, if there were any (one line). */
    List<String> tick(long now) {
        if (!open || now - windowStart < interval) return List.of();
        String span = " in the last " + Math.max(1, Math.round((now - windowStart) / 1e9)) + " s";
        List<Map.Entry<String, long[]>> busy = new ArrayList<>();
        long connected = 0, left = 0;
        for (Iterator<Map.Entry<String, Host>> it = hosts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Host> e = it.next();
            Host h = e.getValue();
            if (h.hiddenConnected > 0 || h.hiddenDisconnected > 0) {
                busy.add(Map.entry(e.getKey(), new long[] {h.hiddenConnected}));
                connected += h.hiddenConnected;
                left += h.hiddenDisconnected;
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
        if (busy.isEmpty()) return List.of();
        busy.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        if (connected == 0) return List.of(count(left) + " peers not listed left" + span + " (/peers lists who is connected)");
        StringBuilder line = new StringBuilder(count(connected) + " more peers connected" + span + ", not listed one by one: ");
        for (int i = 0; i < Math.min(SUMMARY_HOSTS, busy.size()); i++) {
            line.append(i == 0 ? "" : ", ").append(count(busy.get(i).getValue()[0])).append(" from ").append(busy.get(i).getKey());
        }
        if (busy.size() > SUMMARY_HOSTS) line.append(" and ").append(busy.size() - SUMMARY_HOSTS).append(" more hosts");
        line.append(" (").append(count(left)).append(" of those not listed left; /peers lists who is connected)");
        return List.of(line.toString());
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
