package lanchat.app.tui;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The terminal's status line (JLine's status area at the bottom): {@code room lan-party · 2 peers · libp2p · 1 pending
 * · #3 video.mkv 42% …}. The room ("direct" without one), how many peers are connected, the transport(s), and, only
 * when there are some, our lines not yet held by every member and the running transfers (their progress is
 * {@link FileCommands}'). Only on an interactive terminal ({@link Console#refreshesStatus()}); pipes and dumb
 * terminals have none.
 * <p>
 * Changes come from the node's thread, which must never wait for the terminal: they only mark the line stale, and the
 * line is drawn on a thread of its own ({@code scheduler}), at most once per {@link #MIN_INTERVAL_NANOS}.
 */
final class StatusBar implements AutoCloseable {
    /** At most four redraws a second, however fast peers come and go. */
    static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Console console;
    private final String room;
    private final String transports;
    private final IntSupplier peers;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanos;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile int pending;
    private volatile String transfers = "";
    private volatile long lastDrawn = Long.MIN_VALUE;
    private volatile String shown = "";
    private volatile boolean closed;

    /** {@code room}: null for a node without one; {@code peers}: asked on the drawing thread (it may ask the node). */
    StatusBar(Console console, String room, String transports, IntSupplier peers, ScheduledExecutorService scheduler, LongSupplier nanos) {
        this.console = console;
        this.room = room;
        this.transports = transports;
        this.peers = peers;
        this.scheduler = scheduler;
        this.nanos = nanos;
    }

    /** Our lines not yet held by every member. */
    void pending(int count) {
        pending = count;
        changed();
    }

    /** The running transfers' progress, "" when none. */
    void transfers(String progress) {
        if (progress.equals(transfers)) return;
        transfers = progress;
        changed();
    }

    /** Something shown changed (a peer came or went): redrawn soon, never more often than the interval allows. */
    void changed() {
        if (closed || !scheduled.compareAndSet(false, true)) return; // a redraw is coming: it will read the news
        long last = lastDrawn;
        long wait = last == Long.MIN_VALUE ? 0 : Math.max(0, last + MIN_INTERVAL_NANOS - nanos.getAsLong());
        try {
            scheduler.schedule(this::draw, wait, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shutDown) {
            scheduled.set(false);
        }
    }

    private void draw() {
        scheduled.set(false);
        if (closed) return;
        lastDrawn = nanos.getAsLong();
        String line = text();
        if (line.equals(shown)) return;
        shown = line;
        console.status(line);
    }

    /** The line as it would be drawn now. */
    String text() {
        List<String> parts = new ArrayList<>();
        parts.add(room == null ? "direct" : "room " + room);
        int n;
        try {
            n = peers.getAsInt();
        } catch (IllegalStateException closing) {
            n = 0;
        }
        parts.add(n + (n == 1 ? " peer" : " peers"));
        parts.add(transports);
        int p = pending;
        if (p > 0) parts.add(p + " pending");
        String t = transfers;
        if (!t.isEmpty()) parts.add(t);
        return String.join(" · ", parts);
    }

    /** What is on the status line now (tests). */
    String shown() {
        return shown;
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        console.status("");
    }
}
