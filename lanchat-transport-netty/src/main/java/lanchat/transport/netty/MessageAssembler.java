package lanchat.transport.netty;

import java.util.Arrays;

import io.netty.buffer.ByteBuf;

/**
 * Puts one channel's messages back together from their DATA chunks. It holds at most one message, of at most the
 * protocol's {@code maxMessageBytes}, and its memory grows with the bytes that actually arrived rather than with the
 * length a peer announces (a peer cannot make us allocate 16 MiB with a 10-byte frame).
 */
final class MessageAssembler {
    private final int maxMessageBytes;
    /** The message being assembled; null between messages. */
    private byte[] buffer;
    private int length;
    private int filled;

    MessageAssembler(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /** True while a message has begun and not ended. */
    boolean inMessage() {
        return buffer != null;
    }

    /**
     * Copies the chunk in (without releasing it).
     *
     * @return the whole message once its last byte is in, else null
     * @throws ChannelViolation when the chunk does not fit the message it belongs to, or the message is too long
     */
    byte[] add(ChatFrame.Data chunk) throws ChannelViolation {
        ByteBuf payload = chunk.payload();
        int n = payload.readableBytes();
        if (chunk.first()) {
            if (inMessage()) throw new ChannelViolation("a message began before the previous one ended");
            if (chunk.messageLength() > maxMessageBytes) {
                throw new ChannelViolation("a message of " + chunk.messageLength() + " bytes is over the limit of " + maxMessageBytes);
            }
            length = chunk.messageLength();
            filled = 0;
            buffer = new byte[Math.min(length, ChannelFrames.WINDOW)];
        } else {
            if (!inMessage()) throw new ChannelViolation("a continuation chunk outside a message");
            if (n == 0) throw new ChannelViolation("an empty continuation chunk");
        }
        if (n > length - filled) throw new ChannelViolation("a chunk runs " + (n - (length - filled)) + " bytes past its message");
        if (filled + n > buffer.length) buffer = Arrays.copyOf(buffer, (int) Math.min(length, Math.max(2L * buffer.length, filled + n)));
        payload.getBytes(payload.readerIndex(), buffer, filled, n);
        filled += n;
        if (filled < length) return null;
        byte[] whole = buffer;
        buffer = null;
        return whole;
    }
}
