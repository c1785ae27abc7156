package lanchat.app.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import lanchat.app.node.ManualLoop;
import org.junit.jupiter.api.Test;

/** The terminal's status line: what it says, and that it is redrawn at most four times a second (virtual time). */
class StatusBarTest {
    final ManualLoop loop = new ManualLoop();
    final AtomicInteger peers = new AtomicInteger();
    final List<String> drawn = new ArrayList<>();
    final Console console = new Console() {
        @Override
        public void println(String line) {}

        @Override
        public void log(String line) {}

        @Override
        public void start(Consumer<String> onLine, Runnable onQuit) {}

        @Override
        public void status(String line) {
            drawn.add(line);
        }

        @Override
        public void close() {}
    };

    StatusBar bar(String room) {
        return new StatusBar(console, room, "libp2p,netty", peers::get, loop, () -> loop.now().toNanos());
    }

    @Test
    void itNamesTheRoomThePeersAndTheTransportsAndPendingAndTransfersOnlyWhenThereAreSome() {
        StatusBar bar = bar("lan-party");
        assertEquals("room lan-party · 0 peers · libp2p,netty", bar.text());
        peers.set(1);
        assertEquals("room lan-party · 1 peer · libp2p,netty", bar.text());
        peers.set(2);
        bar.pending(3);
        bar.transfers("#1 video.mkv 42% 27.0 MiB/64.0 MiB 9.0 MiB/s ETA 4 s");
        assertEquals("room lan-party · 2 peers · libp2p,netty · 3 pending · #1 video.mkv 42% 27.0 MiB/64.0 MiB 9.0 MiB/s ETA 4 s", bar.text());
        bar.pending(0);
        bar.transfers("");
        assertEquals("room lan-party · 2 peers · libp2p,netty", bar.text());
        assertEquals("direct · 2 peers · libp2p,netty", bar(null).text());
    }

    @Test
    void aNodeThatIsClosingCountsNoPeers() {
        StatusBar bar = new StatusBar(console, null, "libp2p", () -> {
            throw new IllegalStateException("node is closed");
        }, loop, () -> loop.now().toNanos());
        assertEquals("direct · 0 peers · libp2p", bar.text());
    }

    @Test
    void changesAreDrawnOffTheCallersThreadAtMostFourTimesASecond() {
        StatusBar bar = bar("r");
        bar.changed();
        assertEquals(List.of(), drawn, "nothing is drawn on the caller's thread");
        loop.runReady();
        assertEquals(List.of("room r · 0 peers · libp2p,netty"), drawn);

        // a burst of changes right after a redraw: one redraw, when 250 ms have passed since the last
        loop.advance(Duration.ofMillis(100));
        peers.set(1);
        bar.changed();
        peers.set(2);
        bar.changed();
        bar.pending(1);
        assertEquals(1, loop.pending(), "one redraw for the whole burst");
        assertEquals(Duration.ofMillis(150), loop.nextDelay());
        loop.advance(Duration.ofMillis(149));
        assertEquals(1, drawn.size());
        loop.advance(Duration.ofMillis(1));
        assertEquals(List.of("room r · 0 peers · libp2p,netty", "room r · 2 peers · libp2p,netty · 1 pending"), drawn);

        // long after the last redraw: at once; and a change that changes nothing shown draws nothing
        loop.advance(Duration.ofSeconds(5));
        bar.changed();
        assertEquals(Duration.ZERO, loop.nextDelay());
        loop.runReady();
        assertEquals(2, drawn.size());
        assertNull(loop.nextDelay());
    }

    @Test
    void closingClearsTheLineAndStopsDrawing() {
        StatusBar bar = bar("r");
        bar.changed();
        loop.runReady();
        bar.close();
        assertEquals("", drawn.get(drawn.size() - 1));
        int before = drawn.size();
        bar.changed();
        loop.runReady();
        assertEquals(before, drawn.size());
    }
}
