package lanchat.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;

import lanchat.api.Identity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resume bookkeeping: a checkpoint survives a restart, and a partial file is trusted only as far as it re-hashes. */
class SidecarTest {
    @TempDir
    Path dir;

    private final byte[] whole = new byte[3 * 1024 * 1024 + 17];

    {
        new Random(17).nextBytes(whole);
    }

    private Sidecar checkpointAt(int offset) {
        MessageDigest d = Sidecar.newDigest();
        d.update(whole, 0, offset);
        MessageDigest all = Sidecar.newDigest();
        all.update(whole);
        return new Sidecar(Identity.generate().peerId(), Wire.newId(), "x.bin", whole.length, 65536, all.digest(), offset, d.digest());
    }

    @Test
    void savesAndLoads() throws Exception {
        Sidecar s = checkpointAt(1 << 20);
        s.save(dir);
        Sidecar back = Sidecar.load(Sidecar.state(dir, s.key()));
        assertEquals(s.peer(), back.peer());
        assertEquals(s.offset(), back.offset());
        assertArrayEquals(s.prefixSha256(), back.prefixSha256());
        assertArrayEquals(s.sha256(), back.sha256());
    }

    @Test
    void aLongerPartialFileIsCutBackToTheCheckpointAndContinuesTheDigest() throws Exception {
        int cp = 2 << 20;
        Sidecar s = checkpointAt(cp);
        Path part = Sidecar.partial(dir, s.key());
        Files.write(part, java.util.Arrays.copyOf(whole, cp + 12345)); // bytes written after the last checkpoint
        MessageDigest d = s.verifyPrefix(part);
        assertNotNull(d);
        assertEquals(cp, Files.size(part));
        d.update(whole, cp, whole.length - cp);
        assertArrayEquals(s.sha256(), d.digest());
    }

    @Test
    void aChangedOrShortPartialFileStartsOver() throws Exception {
        int cp = 1 << 20;
        Sidecar s = checkpointAt(cp);
        Path part = Sidecar.partial(dir, s.key());
        byte[] changed = java.util.Arrays.copyOf(whole, cp);
        changed[4096] ^= 1;
        Files.write(part, changed);
        assertNull(s.verifyPrefix(part));
        Files.write(part, java.util.Arrays.copyOf(whole, cp - 1));
        assertNull(s.verifyPrefix(part));
        Files.delete(part);
        assertNull(s.verifyPrefix(part));
    }

    @Test
    void twoPeersOffersWithTheSameIdGetFilesOfTheirOwn() throws Exception {
        Sidecar a = checkpointAt(0);
        Sidecar b = new Sidecar(Identity.generate().peerId(), a.id(), "y.bin", 10, 1024, new byte[32], 0, a.prefixSha256());
        assertNotEquals(a.key(), b.key());
        a.save(dir);
        b.save(dir);
        assertEquals(a.peer(), Sidecar.load(Sidecar.state(dir, a.key())).peer());
        assertEquals(b.peer(), Sidecar.load(Sidecar.state(dir, b.key())).peer());
        assertTrue(a.key().matches("[0-9a-f]{32}-[0-9a-f]{32}"), "safe on every file system: " + a.key());
    }

    @Test
    void aDownloadSavedUnderItsIdAloneIsRenamedAndStillResumes() throws Exception {
        int cp = 1 << 20;
        Sidecar s = checkpointAt(cp);
        s.save(dir);
        // the layout of builds before per-peer keys: ID.state and ID.part
        Path oldState = dir.resolve(s.id() + Sidecar.STATE), oldPart = dir.resolve(s.id() + Sidecar.PART);
        Files.move(Sidecar.state(dir, s.key()), oldState);
        Files.write(oldPart, java.util.Arrays.copyOf(whole, cp + 100));
        Sidecar back = Sidecar.load(oldState);
        back.migrate(dir, oldState);
        assertFalse(Files.exists(oldState));
        assertFalse(Files.exists(oldPart));
        assertEquals(cp, Sidecar.load(Sidecar.state(dir, s.key())).offset());
        MessageDigest d = back.verifyPrefix(Sidecar.partial(dir, s.key()));
        assertNotNull(d, "the renamed partial file still matches its checkpoint");
        d.update(whole, cp, whole.length - cp);
        assertArrayEquals(s.sha256(), d.digest());
    }

    @Test
    void aCorruptStateFileIsAnError() throws Exception {
        Path f = dir.resolve("bad.state");
        Files.writeString(f, "peer=nonsense\n");
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Sidecar.load(f));
    }
}
