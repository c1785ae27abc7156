package lanchat.transport.libp2p.chat;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes a {@link String} as UTF-8 followed by {@code \n}: one chat line. Callers split multi-line text first. */
@ChannelHandler.Sharable
public final class ChatLineEncoder extends MessageToByteEncoder<String> {
    public ChatLineEncoder() {
        super(String.class, false);
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
