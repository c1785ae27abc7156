package lanchat.transport.netty;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.Unpooled;

/**
 * One channel's messages waiting for credit and the socket, first in, first out, cut into DATA chunks as credit
 * allows. Holds at most {@code capacity} unsent bytes; the arrays are wrapped, not copied. Event loop only.
 */
final class SendQueue {
    /** A chunk to write, what it costs in credit, and the send to complete once it is written (its message's last). */
    record Chunk(ChatFrame.Data frame, int cost, CompletableFuture<Void> completes) {}

    private record Pending(byte[] message, CompletableFuture<Void> done) {}

    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final long capacity;
    private long unsent;
    /** Bytes of the head message already cut into chunks. */
    private int offset;

    SendQueue(long capacity) {
        this.capacity = capacity;
    }

    /** Queues a message unless that would hold more than the capacity unsent. */
    boolean offer(byte[] message, CompletableFuture<Void> done) {
        if (unsent + message.length > capacity) return false;
        queue.add(new Pending(message, done));
        unsent += message.length;
        return true;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    long unsentBytes() {
        return unsent;
    }

    /** The credit the next chunk needs at least: one byte of the message, and at its start the length word too. */
    int creditNeeded() {
        Pending head = queue.element();
        return offset > 0 ? 1 : ChannelFrames.LENGTH_BYTES + Math.min(1, head.message.length);
    }

    /** Cuts the next chunk of the head message, as large as the credit and {@link ChannelFrames#MAX_CHUNK} allow. */
    Chunk next(int channel, int credit) {
        if (credit < creditNeeded()) throw new IllegalStateException("credit " + credit + " is less than the next chunk needs");
        Pending head = queue.element();
        boolean first = offset == 0;
        int n = Math.min(Math.min(ChannelFrames.MAX_CHUNK, head.message.length - offset), credit - (first ? ChannelFrames.LENGTH_BYTES : 0));
        ChatFrame.Data frame = new ChatFrame.Data(channel, first ? head.message.length : ChatFrame.Data.CONTINUATION,
                n == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(head.message, offset, n));
        offset += n;
        unsent -= n;
        CompletableFuture<Void> completes = null;
        if (offset == head.message.length) {
            queue.remove();
            offset = 0;
            completes = head.done;
        }
        return new Chunk(frame, n + (first ? ChannelFrames.LENGTH_BYTES : 0), completes);
    }

    /** Fails every queued send (a partly sent head message too: the channel is being aborted). */
    void failAll(Throwable cause) {
        Pending p;
        while ((p = queue.poll()) != null) p.done.completeExceptionally(cause);
        unsent = 0;
        offset = 0;
    }
}
