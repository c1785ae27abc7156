package lanchat.transport.libp2p.chat;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Splits a chat stream into lines and decodes them as UTF-8 {@link String}s, the way go-libp2p's chat examples read
 * them:
 *
 * <pre>
 * "hi\n\nhow are you?\r\n"  →  "hi", "how are you?"
 * </pre>
 *
 * Line ends ({@code \n} or {@code \r\n}) are stripped and blank lines skipped: go writes {@code text\n\n}. A line
 * longer than {@code maxLineBytes} fails fast with a {@code TooLongFrameException} (fired through
 * {@code exceptionCaught}; the line is skipped and decoding resumes after its end); invalid UTF-8 is replaced, not
 * fatal.
 *
 * <p>Why not Netty's {@code LineBasedFrameDecoder} (issue 16: the chat path cost half the transport's throughput):
 * it merges every read into a cumulation buffer (a copy, and more copies each time the buffer grows), then decodes
 * the line from that buffer through a temporary array (another copy) into the String. Here a line that lies within
 * one read is decoded straight from the read's buffer, and only the bytes of a line split across reads are copied,
 * once, into a plain array kept for the next long line ({@link #KEPT_BUFFER_BYTES} at most, so an idle stream does
 * not hold a large one). What a partial line may hold is bounded by {@code maxLineBytes} as before.
 */
public final class ChatLineDecoder extends ChannelInboundHandlerAdapter {
    /** A partial-line array up to this size is kept between lines (the bench's and file-like 64 KiB lines fit). */
    static final int KEPT_BUFFER_BYTES = 64 * 1024 + 1;
    private static final byte[] NONE = new byte[0];

    private final int maxLineBytes;
    /** The start of the current line, read so far without its end; {@code \r} included if it was the last byte. */
    private byte[] partial = NONE;
    private int partialLength;
    /** The current line is too long: its bytes are dropped up to its end. */
    private boolean discarding;

    public ChatLineDecoder(int maxLineBytes) {
        if (maxLineBytes < 1) throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            decode(ctx, in);
        } finally {
            in.release();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        partial = NONE;
        partialLength = 0;
    }

    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            int end = in.writerIndex();
            int newline = in.indexOf(start, end, (byte) '\n');
            if (discarding) {
                in.readerIndex(newline < 0 ? end : newline + 1);
                if (newline >= 0) discarding = false;
                continue;
            }
            if (newline < 0) {
                append(ctx, in, start, end - start);
                in.readerIndex(end);
                if (ctx.isRemoved() || !ctx.channel().isOpen()) return;
                continue;
            }
            int piece = newline - start;
            int length = partialLength + piece;
            boolean crlf = piece > 0 ? in.getByte(newline - 1) == '\r' : partialLength > 0 && partial[partialLength - 1] == '\r';
            int content = crlf ? length - 1 : length;
            in.readerIndex(newline + 1);
            if (content > maxLineBytes) {
                dropPartial();
                tooLong(ctx, content);
            } else if (content == 0) {
                partialLength = 0; // a blank line
            } else if (partialLength == 0 && in.hasArray()) {
                ctx.fireChannelRead(new String(in.array(), in.arrayOffset() + start, content, StandardCharsets.UTF_8));
            } else {
                // a direct buffer (or a line split across reads) is decoded through our array, not a new one per line
                ensureRoom(length);
                in.getBytes(start, partial, partialLength, piece);
                String line = new String(partial, 0, content, StandardCharsets.UTF_8);
                dropPartial();
                ctx.fireChannelRead(line);
            }
            if (ctx.isRemoved() || !ctx.channel().isOpen()) return;
        }
    }

    /** Adds the start of a line; fails fast once it cannot end within the maximum. */
    private void append(ChannelHandlerContext ctx, ByteBuf in, int from, int n) {
        long length = (long) partialLength + n;
        // one byte more is allowed only when it is the \r of a \r\n still to come
        if (length > maxLineBytes + 1L || (length == maxLineBytes + 1L && in.getByte(from + n - 1) != '\r')) {
            dropPartial();
            discarding = true;
            tooLong(ctx, length);
            return;
        }
        ensureRoom((int) length);
        in.getBytes(from, partial, partialLength, n);
        partialLength = (int) length;
    }

    /** Forgets the current line's bytes, and the array too when it grew beyond what is kept between lines. */
    private void dropPartial() {
        partialLength = 0;
        if (partial.length > KEPT_BUFFER_BYTES) partial = NONE;
    }

    private void ensureRoom(int length) {
        if (length <= partial.length) return;
        // doubling, from 1 KiB, capped by the longest line (+ its \r): a line's bytes are copied into it few times
        int capacity = Math.max(length, Math.max(1024, (int) Math.min(maxLineBytes + 1L, 2L * partial.length)));
        byte[] grown = new byte[capacity];
        System.arraycopy(partial, 0, grown, 0, partialLength);
        partial = grown;
    }

    private void tooLong(ChannelHandlerContext ctx, long length) {
        ctx.fireExceptionCaught(new TooLongFrameException("frame length (" + length + ") exceeds the allowed maximum ("
                + maxLineBytes + ')'));
    }
}
