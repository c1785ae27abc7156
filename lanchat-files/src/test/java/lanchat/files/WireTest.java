package lanchat.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class WireTest {
    private final FileLimits limits = FileLimits.DEFAULTS;

    @Test
    void roundTrips() throws IOException {
        String id = Wire.newId();
        byte[] sha = new byte[32];
        Arrays.fill(sha, (byte) 7);
        Wire.Offer o = (Wire.Offer) Wire.decode(Wire.encode(new Wire.Offer(id, 123_456_789L, 65536, sha, "päper.pdf")), limits);
        assertEquals(id, o.id());
        assertEquals(123_456_789L, o.size());
        assertEquals(65536, o.chunkSize());
        assertArrayEquals(sha, o.sha256());
        assertEquals("päper.pdf", o.name());
        assertEquals(new Wire.Get(id, 42), Wire.decode(Wire.encode(new Wire.Get(id, 42)), limits));
        assertEquals(new Wire.Cancel(id, "why"), Wire.decode(Wire.encode(new Wire.Cancel(id, "why")), limits));
        assertEquals(new Wire.Reject(id), Wire.decode(Wire.encode(new Wire.Reject(id)), limits));
        assertEquals(new Wire.Error("busy"), Wire.decode(Wire.encode(new Wire.Error("busy")), limits));
        byte[] data = {1, 2, 3, 4, 5};
        Wire.Chunk c = (Wire.Chunk) Wire.decode(Wire.encode(new Wire.Chunk(1L << 33, data, 1, 3)), limits);
        assertEquals(1L << 33, c.offset());
        assertArrayEquals(new byte[] {2, 3, 4}, Arrays.copyOfRange(c.data(), c.from(), c.from() + c.length()));
    }

    @Test
    void chunksOfAWholeOfferFitTheChannelLimit() {
        byte[] max = Wire.encode(new Wire.Chunk(0, new byte[FileLimits.MAX_CHUNK], 0, FileLimits.MAX_CHUNK));
        assertEquals(FileService.LIMITS.maxMessageBytes(), max.length);
        // the sender's window of chunks in flight stays within the send buffer for every chunk size
        for (int chunk : new int[] {FileLimits.MIN_CHUNK, 65536, FileLimits.MAX_CHUNK}) {
            int window = Math.max(1, FileService.LIMITS.sendBufferBytes() / 2 / chunk);
            assertTrue((long) window * (chunk + Wire.CHUNK_HEADER) <= FileService.LIMITS.sendBufferBytes());
        }
    }

    @Test
    void refusesMalformedMessages() {
        String id = Wire.newId();
        byte[] offer = Wire.encode(new Wire.Offer(id, 10, 65536, new byte[32], "a"));
        assertThrows(IOException.class, () -> Wire.decode(Arrays.copyOf(offer, offer.length - 1), limits));
        assertThrows(IOException.class, () -> Wire.decode(Arrays.copyOf(offer, offer.length + 1), limits));
        byte[] hugeChunks = Wire.encode(new Wire.Offer(id, 10, FileLimits.MAX_CHUNK + 1, new byte[32], "a"));
        assertThrows(IOException.class, () -> Wire.decode(hugeChunks, limits));
        byte[] negative = Wire.encode(new Wire.Offer(id, -1, 65536, new byte[32], "a"));
        assertThrows(IOException.class, () -> Wire.decode(negative, limits));
        assertThrows(IOException.class, () -> Wire.decode(new byte[0], limits));
        assertThrows(IOException.class, () -> Wire.decode(new byte[] {99}, limits));
        assertThrows(IOException.class, () -> Wire.decode(new byte[] {Wire.CHUNK, 0, 0}, limits));
        byte[] longName = new byte[1 + 16 + 8 + 4 + 32 + 2];
        longName[0] = Wire.OFFER;
        longName[longName.length - 2] = (byte) 0x7f; // claims a 32 KiB name that is not there
        assertThrows(IOException.class, () -> Wire.decode(longName, limits));
    }

    @Test
    void limitsParseLikeTheResourceManager() {
        FileLimits l = FileLimits.DEFAULTS.with("file.maxOfferSize", "1GiB").with("file.maxTransfers", "2").with("file.rate", "8MiB");
        assertEquals(1L << 30, l.maxOfferBytes());
        assertEquals(2, l.maxTransfers());
        assertEquals(8L << 20, l.maxBytesPerSecond());
        assertThrows(IllegalArgumentException.class, () -> FileLimits.DEFAULTS.with("file.nope", "1"));
        assertThrows(IllegalArgumentException.class, () -> FileLimits.DEFAULTS.with("file.chunkSize", "1MiB"));
        assertTrue(FileLimits.owns("file.rate"));
    }
}
