package lanchat.transport.libp2p.chat;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LineBasedFrameDecoder;
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
 */
public final class ChatLineDecoder extends LineBasedFrameDecoder {
    public ChatLineDecoder(int maxLineBytes) {
        super(checkMax(maxLineBytes), true, true);
    }

    private static int checkMax(int maxLineBytes) {
        if (maxLineBytes < 1) throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        return maxLineBytes;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf buffer) throws Exception {
        while (true) {
            ByteBuf line;
            try {
                line = (ByteBuf) super.decode(ctx, buffer);
            } catch (TooLongFrameException e) {
                // report it, then go on with what follows the dropped line in this read instead of leaving it in the
                // cumulation until more bytes arrive (the line's bytes have been skipped, so this always progresses)
                ctx.fireExceptionCaught(e);
                if (ctx.isRemoved() || !ctx.channel().isOpen()) return null;
                continue;
            }
            if (line == null) return null;
            try {
                if (line.isReadable()) return line.toString(StandardCharsets.UTF_8);
            } finally {
                line.release();
            }
        }
    }
}
