package lanchat.room.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import lanchat.api.Identity;
import lanchat.room.wire.MessageBody;
import lanchat.room.wire.SignedMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a burst of posts: a child JVM posts in a loop into a real database file and is killed
 * (destroyForcibly: SIGKILL) after it acknowledged a number of posts. Reopened, the database is sound, holds every
 * acknowledged post, and the next seq is above every seq ever handed out: twice over, so the second run's seqs are
 * checked against the first's too.
 */
class KillTest {
    static final String ROOM = "lobby";
    private static final int ACKS_BEFORE_KILL = 150;
    private static final long WAIT_S = 90;

    @TempDir
    Path dir;

    @Test
    void killMinusNineMidBurstLosesNothingAcknowledgedAndNeverRepeatsASeq() throws Exception {
        byte[] seed = new byte[32];
        seed[0] = 42;
        Identity me = Identity.fromSeed(seed);
        Path file = dir.resolve("history.db");
        List<Long> everAcknowledged = new ArrayList<>();
        long lastStored = 0;
        for (int round = 0; round < 2; round++) {
            List<Long> acked = runAndKill(file, HexFormat.of().formatHex(seed));
            assertTrue(acked.size() >= ACKS_BEFORE_KILL, "child acknowledged only " + acked.size());
            // (the kill may fall between a commit and its acknowledgement: the next run continues after what is stored)
            if (lastStored != 0) assertEquals(lastStored + 1, acked.get(0), "the seq continues across the crash");
            everAcknowledged.addAll(acked);
            try (RoomStore s = RoomStore.open(file)) {
                assertEquals("ok", s.integrityCheck());
                List<Long> stored = s.history(ROOM, 1_000_000).stream().map(m -> m.message().seq()).toList();
                assertTrue(stored.containsAll(everAcknowledged), "an acknowledged post was lost");
                for (int i = 1; i < stored.size(); i++) assertEquals(stored.get(i - 1) + 1, stored.get(i), "seqs are contiguous, none twice");
                for (var m : s.history(ROOM, 1_000_000)) SignedMessage.open(m.message().envelope(), ROOM, Long.MAX_VALUE); // intact and signed
                long last = stored.get(stored.size() - 1);
                assertTrue(last - everAcknowledged.get(everAcknowledged.size() - 1) <= 1, "at most the one post in flight at the kill is stored unacknowledged");
                lastStored = last;
                assertEquals(last, s.lastOwnSeq(ROOM));
                assertEquals(new AuthorMark(me.peerId(), stored.get(0), last), s.mark(ROOM, me.peerId()));
                if (round == 1) {
                    long now = System.currentTimeMillis();
                    long next = s.appendOwn(ROOM, now, now, seq -> SignedMessage.sign(me, new MessageBody(ROOM, me.publicKey(), seq, now << 16, now, "", "after", Optional.empty()))).seq();
                    assertEquals(last + 1, next);
                }
            }
        }
    }

    /** Starts the child, reads its acknowledgements until enough, kills it; returns what it acknowledged. */
    private List<Long> runAndKill(Path file, String seedHex) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path err = dir.resolve("child.err");
        Process p = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"), CrashPoster.class.getName(), file.toString(), seedHex, "100000")
                .redirectError(err.toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(line);
            } catch (Exception ignored) {
                // the child died: what it printed before is in the queue
            }
        }, "crash-poster-reader");
        reader.setDaemon(true);
        reader.start();
        List<Long> acked = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        try {
            while (acked.size() < ACKS_BEFORE_KILL) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) throw new AssertionError("child acknowledged " + acked.size() + " posts in " + WAIT_S + " s; stderr: " + Files.readString(err));
                acked.add(Long.parseLong(line.strip()));
            }
        } finally {
            p.destroyForcibly(); // SIGKILL, mid-burst: the child is posting as fast as it can
            assertTrue(p.waitFor(WAIT_S, TimeUnit.SECONDS), "child did not die");
            reader.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        }
        // lines printed between our last read and the kill were acknowledged too
        for (String line; (line = lines.poll()) != null; ) {
            if (!line.isBlank()) acked.add(Long.parseLong(line.strip()));
        }
        return acked;
    }
}
