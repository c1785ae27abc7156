package lanchat.transport.netty;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToMessageCodec;
import lanchat.api.ChatMessage;

/**
 * Encodes {@link ChatFrame}s as length-prefixed frames. The encoder writes the 4-byte big-endian length itself (one
 * buffer per frame, so the cipher beneath sees one plaintext per frame); a {@code LengthFieldBasedFrameDecoder}
 * beneath this codec strips it on the way in. After the length:
 *
 * <pre>
 * Message: 0x01 | nickLen (1 byte, 0 = no nick) | nick (UTF-8) | text (UTF-8, the rest)
 * Ping:    0x02 | id (8 bytes)
 * Pong:    0x03 | id (8 bytes)
 * Bye:     0x04
 * </pre>
 *
 * Unknown types are skipped so that later versions can add frames; malformed known frames are a protocol error.
 */
final class ChatFrameCodec extends MessageToMessageCodec<ByteBuf, ChatFrame> {
    static final byte MESSAGE = 1, PING = 2, PONG = 3, BYE = 4;

    @Override
    protected void encode(ChannelHandlerContext ctx, ChatFrame frame, List<Object> out) {
        ByteBuf b;
        if (frame instanceof ChatFrame.Message m) {
            byte[] nick = m.message().nick().map(n -> n.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
            byte[] text = m.message().text().getBytes(StandardCharsets.UTF_8);
            b = ctx.alloc().buffer(6 + nick.length + text.length);
            b.writeInt(2 + nick.length + text.length).writeByte(MESSAGE).writeByte(nick.length).writeBytes(nick).writeBytes(text);
        } else if (frame instanceof ChatFrame.Ping p) {
            b = ctx.alloc().buffer(13).writeInt(9).writeByte(PING).writeLong(p.id());
        } else if (frame instanceof ChatFrame.Pong p) {
            b = ctx.alloc().buffer(13).writeInt(9).writeByte(PONG).writeLong(p.id());
        } else {
            b = ctx.alloc().buffer(5).writeInt(1).writeByte(BYE);
        }
        out.add(b);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) throw new CorruptedFrameException("empty frame");
        byte type = in.readByte();
        switch (type) {
            case MESSAGE -> {
                if (!in.isReadable()) throw new CorruptedFrameException("message frame without nick length");
                int nickLen = in.readUnsignedByte();
                if (nickLen > in.readableBytes()) throw new CorruptedFrameException("nick length " + nickLen + " exceeds frame");
                String nick = nickLen == 0 ? null : in.readCharSequence(nickLen, StandardCharsets.UTF_8).toString();
                String text = in.readCharSequence(in.readableBytes(), StandardCharsets.UTF_8).toString();
                out.add(new ChatFrame.Message(ChatMessage.of(validNickOrNull(nick), text)));
            }
            case PING, PONG -> {
                if (in.readableBytes() != 8) throw new CorruptedFrameException((type == PING ? "ping" : "pong") + " frame must carry 8 bytes");
                long id = in.readLong();
                out.add(type == PING ? new ChatFrame.Ping(id) : new ChatFrame.Pong(id));
            }
            case BYE -> out.add(new ChatFrame.Bye());
            default -> in.skipBytes(in.readableBytes()); // a newer peer's frame type: ignore
        }
    }

    /** A peer's bad nick costs it its nick, not the message. */
    private static String validNickOrNull(String nick) {
        if (nick == null) return null;
        try {
            return ChatMessage.checkNick(nick);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
