package lanchat.transport.libp2p.chat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes a {@link String} as UTF-8 followed by {@code \n}: one chat line. Callers split multi-line text first, or
 * encode it themselves with {@link #wireLines} and write the bytes, which pass through.
 */
@ChannelHandler.Sharable
public final class ChatLineEncoder extends MessageToByteEncoder<String> {
    public ChatLineEncoder() {
        super(String.class, false);
    }

    /**
     * The chat lines of {@code text} as they go on the wire: UTF-8, each with its {@code \n}, one per line of text
     * ({@link String#lines()}'s line breaks), blank lines dropped (receivers skip them anyway). Meant for the sender's
     * thread, off the event loop; the JDK's String encoder is vectorised where a char-by-char loop is not, and text
     * without a line break, the usual message, is not split at all.
     *
     * @throws IllegalArgumentException when a line is longer than {@code maxLineBytes} in UTF-8
     */
    public static List<byte[]> wireLines(String text, int maxLineBytes) {
        boolean oneLine = text.indexOf('\n') < 0 && text.indexOf('\r') < 0;
        List<String> lines = oneLine ? List.of(text) : text.lines().toList();
        List<byte[]> wire = new ArrayList<>(lines.size());
        for (String line : lines) {
            if (line.isBlank()) continue;
            byte[] utf8 = line.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > maxLineBytes) throw new IllegalArgumentException("message too long (max " + maxLineBytes + " bytes per line)");
            byte[] withNewline = Arrays.copyOf(utf8, utf8.length + 1);
            withNewline[utf8.length] = '\n';
            wire.add(withNewline);
        }
        return wire;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, String msg, boolean preferDirect) {
        return ctx.alloc().heapBuffer(ByteBufUtil.utf8MaxBytes(msg) + 1);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, String line, ByteBuf out) {
        out.writeCharSequence(line, StandardCharsets.UTF_8);
        out.writeByte('\n');
    }
}
