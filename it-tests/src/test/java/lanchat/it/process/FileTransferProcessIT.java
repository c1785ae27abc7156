package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * File sharing between real LAN Chat processes on 127.0.0.1 ({@code java -p mods -m lanchat.app}), driven through
 * their stdin and stdout as a user would: {@code /send}, {@code /accept}, {@code --accept-from-room}, and a receiver
 * killed with SIGKILL in the middle of a download that resumes after a restart with the same {@code --identity}, and a
 * sender killed the same way whose offer survives its restart.
 *
 * <p>The file is 64 MiB: large enough that a transfer spans many resume checkpoints (every 4 MiB) and many times the
 * channel buffers, small enough that the whole class (eleven JVM starts, seven transfers) stays under two minutes on
 * two shared cores (93 s here). One GiB runs in the bench ({@code scripts/bench.sh --full}).
 */
@Timeout(150)
class FileTransferProcessIT {
    static final int SIZE = 64 << 20;
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Duration TRANSFER = Duration.ofSeconds(60);
    static final Pattern SAVED = Pattern.compile("\\* #\\d+ (.+) from .+: saved as (.+), SHA-256 verified .*");

    static Path mods;
    private final List<AppNode> nodes = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void snapshotMods() throws IOException {
        mods = AppNode.snapshotMods("lanchat-it-files-mods-");
    }

    @AfterAll
    static void deleteSnapshot() throws IOException {
        AppNode.deleteTree(mods);
    }

    @AfterEach
    void killAll() {
        for (AppNode n : nodes) n.kill();
    }

    @Test
    void toOnePeerThenToARoomOfThree() throws Exception {
        Path src = randomFile("holiday photos.tar");
        AppNode a = start("A", "libp2p", "--nick", "alice", "--downloads", dir.resolve("a").toString());
        AppNode b = start("B", "libp2p", "--nick", "bob", "--downloads", dir.resolve("b").toString(), "--peer", a.address);
        AppNode c = start("C", "libp2p", "--nick", "carol", "--downloads", dir.resolve("c").toString(), "--peer", a.address, "--accept-from-room");
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        a.awaitLine("✓ connected to " + c.peerId, WAIT);

        // to one peer (named by its short id: a nick is known only once its owner said something)
        int markB = b.mark(), markC = c.mark();
        a.type("/send @" + AppNode.shortId(b.peerId) + " " + src);
        String offer = b.awaitLine(markB, l -> l.contains(" offers holiday photos.tar (64.0 MiB): /accept "), WAIT, "the offer");
        b.type("/accept " + offer.replaceAll(".*/accept (\\d+) .*", "$1"));
        assertSame(src, saved(b, markB), "holiday photos.tar");
        assertTrue(c.linesAfter(markC, "* ").stream().noneMatch(l -> l.contains("offers")), "C was not offered the file sent to B");

        // to everyone connected: B accepts by hand, C by its flag; B keeps its first copy
        markB = b.mark();
        markC = c.mark();
        a.type("/send " + src);
        offer = b.awaitLine(markB, l -> l.contains(" offers holiday photos.tar"), WAIT, "the second offer");
        b.type("/accept " + offer.replaceAll(".*/accept (\\d+) .*", "$1"));
        assertSame(src, saved(b, markB), "holiday photos (1).tar");
        assertSame(src, saved(c, markC), "holiday photos.tar");
        a.type("chat still works");
        b.awaitLine("alice: chat still works", WAIT);
    }

    @Test
    void aReceiverKilledAtHalfResumesAfterARestartWithTheSameIdentity() throws Exception {
        Path src = randomFile("video.mkv");
        Path identity = dir.resolve("bob.key"), downloads = dir.resolve("bob");
        // paced at 16 MiB/s so the kill lands in the middle on any machine
        AppNode a = start("A", "netty", "--nick", "alice", "--downloads", dir.resolve("a").toString(), "--limit", "file.rate=16MiB");
        String[] bobArgs = {"--identity", identity.toString(), "--downloads", downloads.toString(), "--peer", a.address};
        AppNode b = start("B", "netty", bobArgs);
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        a.type("/send @" + AppNode.shortId(b.peerId) + " " + src);
        String offer = b.awaitLine(0, l -> l.contains(" offers video.mkv"), WAIT, "the offer");
        b.type("/accept " + offer.replaceAll(".*/accept (\\d+) .*", "$1"));

        Path partialDir = downloads.resolve(".lanchat-partial");
        long deadline = System.nanoTime() + TRANSFER.toNanos();
        while (partialBytes(partialDir) < SIZE * 9L / 16) { // 56 %: the last checkpoint (every 4 MiB) is then past half
            if (System.nanoTime() > deadline) throw new AssertionError("the download did not reach 56 %\n" + b.describe());
            Thread.sleep(20);
        }
        b.kill(); // SIGKILL: no goodbye, no last checkpoint
        assertTrue(partialBytes(partialDir) < SIZE, "killed before the end");

        AppNode b2 = start("B2", "netty", bobArgs);
        String resumed = b2.awaitLine(0, l -> l.contains("video.mkv from") && l.contains("resuming at"), TRANSFER, "the resume line");
        Matcher m = Pattern.compile("resuming at ([0-9.]+) MiB").matcher(resumed);
        assertTrue(m.find(), resumed);
        assertTrue(Double.parseDouble(m.group(1)) >= 32.0, "resumed from half or later: " + resumed);
        assertSame(src, saved(b2, 0), "video.mkv");
    }

    /**
     * The sender is killed with SIGKILL in the middle of a transfer and started again with the same {@code --identity}
     * and {@code --data}: its offer was kept under {@code DATA/PEERID/offers}, so it serves the rest when the receiver
     * (which stayed up) asks again; the receiver resumes from its checkpoint, not from 0, and the file arrives with the
     * offered SHA-256. The stored offer is gone once the transfer is done.
     */
    @Test
    void aSenderKilledMidTransferServesTheRestAfterARestartWithTheSameIdentity() throws Exception {
        Path src = randomFile("dataset.bin");
        Path downloads = dir.resolve("bob");
        String[] aliceArgs = {"--nick", "alice", "--identity", dir.resolve("alice.key").toString(), "--data", dir.resolve("alice-data").toString(),
                "--downloads", dir.resolve("a").toString(), "--limit", "file.rate=16MiB"}; // paced: the kill lands in the middle
        AppNode a = start("A", "libp2p", aliceArgs);
        AppNode b = start("B", "libp2p", "--nick", "bob", "--downloads", downloads.toString(), "--peer", a.address);
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        Path offers = dir.resolve("alice-data").resolve(a.peerId).resolve("offers");
        a.type("/send @" + AppNode.shortId(b.peerId) + " " + src);
        String offer = b.awaitLine(0, l -> l.contains(" offers dataset.bin"), WAIT, "the offer");
        assertEquals(1, storedOffers(offers), "the offer is on the sender's disk");
        int mark = b.mark();
        b.type("/accept " + offer.replaceAll(".*/accept (\\d+) .*", "$1"));

        Path partialDir = downloads.resolve(".lanchat-partial");
        long deadline = System.nanoTime() + TRANSFER.toNanos();
        while (partialBytes(partialDir) < SIZE * 9L / 16) {
            if (System.nanoTime() > deadline) throw new AssertionError("the download did not reach 56 %\n" + b.describe());
            Thread.sleep(20);
        }
        a.kill(); // SIGKILL: the sender's memory is gone, its offer file is what is left
        assertTrue(partialBytes(partialDir) < SIZE, "killed before the end");
        b.awaitLine(mark, l -> l.contains("dataset.bin from") && l.contains("interrupted"), WAIT, "the interruption");

        int resumeMark = b.mark();
        String[] again = java.util.Arrays.copyOf(aliceArgs, aliceArgs.length + 2);
        again[aliceArgs.length] = "--peer";
        again[aliceArgs.length + 1] = b.address;
        AppNode a2 = start("A2", "libp2p", again);
        assertEquals(a.peerId, a2.peerId, "the same identity");
        String resumed = b.awaitLine(resumeMark, l -> l.contains("dataset.bin from") && l.contains("resuming at"), TRANSFER, "the resume line");
        Matcher m = Pattern.compile("resuming at ([0-9.]+) MiB").matcher(resumed);
        assertTrue(m.find(), resumed);
        assertTrue(Double.parseDouble(m.group(1)) >= 32.0, "resumed from half or later: " + resumed);
        assertSame(src, saved(b, resumeMark), "dataset.bin");
        deadline = System.nanoTime() + WAIT.toNanos(); // deleted by the sender's next tick after the transfer ended
        while (storedOffers(offers) > 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("the stored offer is left after the transfer\n" + a2.describe());
            Thread.sleep(20);
        }
    }

    private static long storedOffers(Path offers) throws IOException {
        if (!Files.isDirectory(offers)) return 0;
        try (Stream<Path> s = Files.list(offers)) {
            return s.filter(p -> p.toString().endsWith(".offer")).count();
        }
    }

    /**
     * The receiver's downloads directory is a 40 MiB tmpfs of its own (a private mount namespace, made by
     * {@code unshare}; needs root, as the test command has): a 64 MiB offer is refused at /accept, and a 24 MiB
     * download whose disk fills up underneath ends with one line, leaves no partial file and keeps the node chatting.
     */
    @Test
    void aFullDiskIsRefusedAtAcceptAndEndsARunningDownloadCleanly() throws Exception {
        Path big = randomFile("big.iso"), small = randomFile("small.iso", 24 << 20);
        Path downloads = Files.createDirectories(dir.resolve("tiny"));
        AppNode a = start("A", "libp2p", "--nick", "alice", "--downloads", dir.resolve("a").toString(), "--limit", "file.rate=8MiB");
        List<String> tmpfs = List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=40m lanchat-it-tmpfs \"$0\" && exec \"$@\"", downloads.toString());
        AppNode b = AppNode.launchWithin(tmpfs, "B", mods, "libp2p", "--downloads", downloads.toString(), "--peer", a.address, "--limit", "file.reserveDisk=0");
        nodes.add(b);
        b.awaitStarted();
        a.awaitLine("✓ connected to " + b.peerId, WAIT);
        Path seen = Path.of("/proc/" + b.process.pid() + "/root").resolve(downloads.toString().substring(1)); // B's view: its tmpfs

        a.type("/send " + big);
        String offer = b.awaitLine(0, l -> l.contains(" offers big.iso"), WAIT, "the big offer");
        int mark = b.mark();
        b.type("/accept " + offer.replaceAll(".*/accept (\\d+) .*", "$1"));
        b.awaitLine(mark, l -> l.startsWith("* cannot accept #") && l.contains("not enough disk space"), WAIT, "the refusal");

        mark = b.mark();
        a.type("/send " + small);
        offer = b.awaitLine(mark, l -> l.contains(" offers small.iso"), WAIT, "the small offer");
        b.type("/accept " + offer.replaceAll(".*/accept (\\d+) .*", "$1"));
        long deadline = System.nanoTime() + TRANSFER.toNanos();
        while (partialBytes(seen.resolve(".lanchat-partial")) < (4 << 20)) {
            if (System.nanoTime() > deadline) throw new AssertionError("the download did not start\n" + b.describe());
            Thread.sleep(20);
        }
        try (OutputStream fill = Files.newOutputStream(seen.resolve("filler"))) { // someone else fills the disk
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 40; i++) fill.write(mib);
            throw new AssertionError("40 MiB fitted in B's 40 MiB tmpfs next to a partial download: is it mounted?");
        } catch (IOException full) {
            // ENOSPC: the disk is full
        }
        String end = b.awaitLine(mark, l -> l.contains("small.iso from") && l.contains(": failed ("), TRANSFER, "the failure");
        assertTrue(end.contains("No space left on device") || end.contains("disk space"), end);
        Files.delete(seen.resolve("filler"));
        deadline = System.nanoTime() + WAIT.toNanos(); // the partial file goes once the write in progress returned
        while (partialBytes(seen.resolve(".lanchat-partial")) > 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("partial file left\n" + b.describe());
            Thread.sleep(20);
        }
        try (Stream<Path> s = Files.list(seen)) {
            assertEquals(List.of(".lanchat-partial"), s.map(p -> p.getFileName().toString()).toList(), "nothing moved into place");
        }
        a.type("still here");
        b.awaitLine("alice: still here", WAIT);
    }

    // ---- helpers ----

    private Path randomFile(String name) throws IOException {
        return randomFile(name, SIZE);
    }

    private Path randomFile(String name, int size) throws IOException {
        Path f = dir.resolve("src").resolve(name);
        Files.createDirectories(f.getParent());
        byte[] block = new byte[1 << 20];
        Random r = new Random(name.hashCode());
        try (OutputStream out = Files.newOutputStream(f)) {
            for (int i = 0; i < size >> 20; i++) {
                r.nextBytes(block);
                out.write(block);
            }
        }
        return f;
    }

    private static long partialBytes(Path partialDir) throws IOException {
        if (!Files.isDirectory(partialDir)) return 0;
        try (Stream<Path> s = Files.list(partialDir)) {
            return s.filter(p -> p.toString().endsWith(".part")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** Waits for the node's "saved as" line after {@code mark}; returns the path it names. */
    private static Path saved(AppNode n, int mark) {
        String line = n.awaitAny(mark, l -> SAVED.matcher(l).matches() || l.contains(": failed (") || l.contains(": cancelled ("), l -> false, TRANSFER, "the download's end");
        Matcher m = SAVED.matcher(line);
        assertTrue(m.matches(), n.name + ": " + line + "\n" + n.describe());
        return Path.of(m.group(2));
    }

    private static void assertSame(Path src, Path got, String expectedName) throws Exception {
        org.junit.jupiter.api.Assertions.assertEquals(expectedName, got.getFileName().toString());
        assertArrayEquals(sha256(src), sha256(got), got + " differs from " + src);
    }

    private static byte[] sha256(Path f) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(f)) {
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) d.update(b, 0, n);
        }
        return d.digest();
    }

    private AppNode start(String name, String transport, String... extra) throws IOException {
        AppNode n = AppNode.launch(name, mods, transport, extra);
        nodes.add(n);
        n.awaitStarted();
        return n;
    }
}
