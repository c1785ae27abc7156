package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class MessageAssemblerTest {
    private final MessageAssembler assembler = new MessageAssembler(1 << 20);

    private static ChatFrame.Data first(int length, byte[] chunk) {
        return new ChatFrame.Data(1, length, Unpooled.wrappedBuffer(chunk));
    }

    private static ChatFrame.Data next(byte[] chunk) {
        return new ChatFrame.Data(1, ChatFrame.Data.CONTINUATION, Unpooled.wrappedBuffer(chunk));
    }

    @Test
    void wholeMessagesInOneChunkAndEmptyOnes() throws Exception {
        assertArrayEquals(new byte[] {1, 2, 3}, assembler.add(first(3, new byte[] {1, 2, 3})));
        assertArrayEquals(new byte[0], assembler.add(first(0, new byte[0])));
        assertFalse(assembler.inMessage());
    }

    @Test
    void aMessageLargerThanTheWindowGrowsChunkByChunk() throws Exception {
        byte[] message = new byte[ChannelFrames.WINDOW * 3 + 123];
        new Random(1).nextBytes(message);
        byte[] whole = null;
        for (int off = 0; off < message.length; off += ChannelFrames.MAX_CHUNK) {
            byte[] chunk = Arrays.copyOfRange(message, off, Math.min(message.length, off + ChannelFrames.MAX_CHUNK));
            assertNull(whole, "complete before its last chunk");
            whole = assembler.add(off == 0 ? first(message.length, chunk) : next(chunk));
            assertTrue(whole != null || assembler.inMessage());
        }
        assertArrayEquals(message, whole);
    }

    @Test
    void chunksThatDoNotFitTheirMessageAreViolations() throws Exception {
        assertThrows(ChannelViolation.class, () -> assembler.add(next(new byte[1])), "continuation outside a message");
        assertThrows(ChannelViolation.class, () -> assembler.add(first((1 << 20) + 1, new byte[1])), "over the limit");
        assertThrows(ChannelViolation.class, () -> assembler.add(first(2, new byte[3])), "chunk longer than the message");
        MessageAssembler a = new MessageAssembler(100);
        assertNull(a.add(first(10, new byte[4])));
        assertThrows(ChannelViolation.class, () -> a.add(first(10, new byte[4])), "a new message before the last ended");
        MessageAssembler b = new MessageAssembler(100);
        assertNull(b.add(first(10, new byte[4])));
        assertThrows(ChannelViolation.class, () -> b.add(next(new byte[0])), "empty continuation: free frames");
        assertThrows(ChannelViolation.class, () -> b.add(next(new byte[7])), "runs past the message");
    }
}
