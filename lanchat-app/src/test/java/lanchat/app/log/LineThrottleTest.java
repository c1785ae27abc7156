package lanchat.app.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The throttle on a virtual clock (nanoseconds): what a flood and a trickle look like on the screen. */
class LineThrottleTest {
    static final long S = 1_000_000_000L;

    final List<String> shown = new ArrayList<>();
    final LineThrottle throttle = new LineThrottle(shown::add);

    void offer(long now, String host, int port) {
        throttle.offer(now, host, "[WARN] X - ", "handshake with /" + host + ":" + port + " failed: timeout", "handshake with " + host + " failed: timeout");
    }

    /** What the owner's timer does: tick whenever the throttle asks, up to {@code until}. */
    void ticksUntil(long until) {
        while (throttle.nextTick() <= until) throttle.tick(throttle.nextTick());
    }

    @Test
    void aFloodFromOneHostIsOneLineThenOneSummaryPerInterval() {
        // issue 13: 60,000 failed handshakes in 40 s from one host
        for (int i = 0; i < 60_000; i++) {
            long now = (long) i * 40 * S / 60_000;
            ticksUntil(now);
            offer(now, "10.0.0.66", 40_000 + i % 20_000);
        }
        ticksUntil(60 * S);
        assertEquals(List.of(
                "[WARN] X - handshake with /10.0.0.66:40000 failed: timeout",
                "[WARN] X - repeated 14,999 times in the last 10 s: handshake with 10.0.0.66 failed: timeout",
                "[WARN] X - repeated 15,000 times in the last 10 s: handshake with 10.0.0.66 failed: timeout",
                "[WARN] X - repeated 15,000 times in the last 10 s: handshake with 10.0.0.66 failed: timeout",
                "[WARN] X - repeated 15,000 times in the last 10 s: handshake with 10.0.0.66 failed: timeout"), shown);
        assertEquals(Long.MAX_VALUE, throttle.nextTick(), "a group quiet for a whole interval is forgotten");
        offer(70 * S, "10.0.0.66", 1);
        assertEquals("[WARN] X - handshake with /10.0.0.66:1 failed: timeout", shown.get(shown.size() - 1), "and its next line is shown at once");
    }

    @Test
    void manyHostsAtOnceStillMakeABoundedNumberOfLinesPerInterval() {
        for (int round = 0; round < 3; round++) {
            int before = shown.size();
            long start = round * 10 * S;
            for (int i = 0; i < 5_000; i++) offer(start + i, "10.0." + (i % 250) / 250 + "." + (i % 250), i);
            ticksUntil(start + 10 * S);
            int lines = shown.size() - before;
            assertTrue(lines <= LineThrottle.IMMEDIATE_PER_INTERVAL + LineThrottle.MAX_SUMMARIES + 1, "interval " + round + ": " + lines + " lines");
            long accounted = shown.subList(before, shown.size()).stream().mapToLong(LineThrottleTest::count).sum();
            assertEquals(5_000, accounted, "every line is shown or counted: " + shown.subList(before, shown.size()));
        }
        assertEquals(LineThrottle.MAX_GROUPS, throttle.groups(), "groups remembered are capped");
    }

    /** How many lines one shown line stands for. */
    static long count(String line) {
        var m = java.util.regex.Pattern.compile("(?:repeated |\\()([\\d,]+|once)(?: times| more)").matcher(line);
        if (!m.find()) return 1;
        return m.group(1).equals("once") ? 1 : Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void aTrickleIsShownLineByLineAndARepeatOnceIsSaidSo() {
        offer(0, "10.0.0.7", 1);
        offer(5 * S, "10.0.0.8", 1); // another group: shown at once
        offer(6 * S, "10.0.0.7", 2);
        ticksUntil(10 * S);
        assertEquals(List.of(
                "[WARN] X - handshake with /10.0.0.7:1 failed: timeout",
                "[WARN] X - handshake with /10.0.0.8:1 failed: timeout",
                "[WARN] X - repeated once in the last 10 s: handshake with 10.0.0.7 failed: timeout"), shown);
    }

    @Test
    void flushShowsWhatIsPendingNow() {
        offer(0, "10.0.0.7", 1);
        offer(1 * S, "10.0.0.7", 2);
        offer(2 * S, "10.0.0.7", 3);
        throttle.flush(3 * S);
        assertEquals("[WARN] X - repeated 2 times in the last 3 s: handshake with 10.0.0.7 failed: timeout", shown.get(1));
    }
}
