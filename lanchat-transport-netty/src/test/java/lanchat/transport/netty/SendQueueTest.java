package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class SendQueueTest {
    private static final int CHUNK = ChannelFrames.MAX_CHUNK;
    private static final int LEN = ChannelFrames.LENGTH_BYTES;

    @Test
    void cutsMessagesIntoChunksWithinCreditAndCompletesOnTheLast() {
        SendQueue q = new SendQueue(1 << 20);
        CompletableFuture<Void> big = new CompletableFuture<>();
        CompletableFuture<Void> empty = new CompletableFuture<>();
        assertTrue(q.offer(new byte[CHUNK * 2 + 10], big));
        assertTrue(q.offer(new byte[0], empty));
        assertEquals(CHUNK * 2 + 10, q.unsentBytes());

        SendQueue.Chunk c1 = q.next(7, 1000); // little credit: a small first chunk
        assertEquals(new ChatFrame.Data(7, CHUNK * 2 + 10, c1.frame().payload()), c1.frame());
        assertEquals(1000 - LEN, c1.frame().payload().readableBytes());
        assertEquals(1000, c1.cost(), "the length word is paid for");
        assertNull(c1.completes());
        assertEquals(1, q.creditNeeded(), "mid-message one byte of credit is enough");

        SendQueue.Chunk c2 = q.next(7, 1 << 20);
        assertFalse(c2.frame().first());
        assertEquals(CHUNK, c2.cost(), "never more than a chunk");
        SendQueue.Chunk c3 = q.next(7, 1 << 20);
        assertEquals(CHUNK * 2 + 10 - (1000 - LEN) - CHUNK, c3.cost());
        assertSame(big, c3.completes());

        assertEquals(LEN, q.creditNeeded(), "an empty message costs its length word");
        assertThrows(IllegalStateException.class, () -> q.next(7, LEN - 1));
        SendQueue.Chunk c4 = q.next(7, LEN);
        assertEquals(0, c4.frame().messageLength());
        assertEquals(LEN, c4.cost());
        assertSame(empty, c4.completes());
        assertTrue(q.isEmpty());
        assertEquals(0, q.unsentBytes());
    }

    @Test
    void refusesBeyondItsCapacityAndFailsWhatItHoldsWhenAborted() {
        SendQueue q = new SendQueue(100);
        CompletableFuture<Void> a = new CompletableFuture<>();
        assertTrue(q.offer(new byte[60], a));
        assertFalse(q.offer(new byte[41], new CompletableFuture<>()), "over the capacity");
        assertTrue(q.offer(new byte[40], new CompletableFuture<>()));
        q.next(1, 20); // the head is partly sent
        q.failAll(new IOException("reset"));
        assertTrue(a.isCompletedExceptionally());
        assertTrue(q.isEmpty());
        assertEquals(0, q.unsentBytes());
        assertTrue(q.offer(new byte[100], new CompletableFuture<>()), "room again");
    }
}
