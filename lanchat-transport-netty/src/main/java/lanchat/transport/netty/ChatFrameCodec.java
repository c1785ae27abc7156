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
 *
 * <p><b>Protocol channels</b> ({@link lanchat.api.spi.ProtocolChannel}) share the connection with the chat frames
 * above, which stay as they are. Each channel has an id, unsigned 32-bit in 1..2<sup>31</sup>-1: the dialer opens odd
 * ids, the listener even ones (as in yamux), each side in increasing order and never twice, so both can open at once
 * without agreeing first. Encoded by {@link ChannelFrames}:
 *
 * <pre>
 * Open:   0x10 | channel (4) | protocol id (printable US-ASCII, the rest, 1..128 bytes)
 * Accept: 0x11 | channel (4)
 * Refuse: 0x12 | channel (4) | reason (UTF-8, the rest, 0..256 bytes)
 * Data:   0x13 | channel (4) | flags (1: 0x01 = first chunk of a message) | [message length (4), first chunk only] | chunk (0..16384 bytes)
 * Credit: 0x14 | channel (4) | bytes (4, 1..262144)
 * Close:  0x15 | channel (4)
 * Reset:  0x16 | channel (4)
 * </pre>
 *
 * <ul>
 *   <li><b>Opening.</b> The opener sends Open; the peer answers Accept, or Refuse when nobody registered the protocol
 *   or it already has as many of the protocol's channels from this peer open as it allows. Only after Accept may
 *   either side send Data. An Open with an id the peer already used, or of the wrong parity, is a protocol error.
 *   <li><b>Messages</b> are cut into chunks of at most {@link ChannelFrames#MAX_CHUNK} bytes, so no channel frame is
 *   larger than 16 KiB plus its header whatever the protocol's message size, and chat frames and other channels
 *   interleave with a large transfer instead of waiting behind it. The first chunk carries the message length; the
 *   message is whole once that many bytes arrived. Chunks of one channel are never interleaved with another message
 *   of the same channel. A length over the receiver's limit for the protocol resets the channel.
 *   <li><b>Flow control</b>, per channel and direction: the sender starts with {@link ChannelFrames#WINDOW} (256 KiB)
 *   of credit and spends it on every Data frame: the chunk's bytes, plus 4 for the message length of a first chunk
 *   (so even empty messages are paid for). It never sends beyond its credit, and a sender that does gets its channel
 *   reset. The receiver grants bytes back with Credit once it has read them (handed their message to its app, or
 *   taken them into a message still arriving), at the latest once a sixteenth of a window is due (earlier versions:
 *   half a window, which a sender must allow for by having that much outstanding): a sender may always have that
 *   much outstanding on each channel, whatever its other channels hold, so a receiver that sat on a smaller remainder
 *   would stall the channel. It stops granting while its app holds too much ({@link NettyProtocolChannel}), which
 *   stops that channel's sender only. Credit never exceeds the window.
 *   <li><b>Closing.</b> Close means "no more messages from me" (a FIN), sent after everything queued before it; a side
 *   that receives Close finishes what it was sending and sends its own. With both sent, the channel is gone on both
 *   ends and its id is not used again. Reset aborts at once. Frames for an id that is not open are ignored.
 * </ul>
 */
final class ChatFrameCodec extends MessageToMessageCodec<ByteBuf, ChatFrame> {
    static final byte MESSAGE = 1, PING = 2, PONG = 3, BYE = 4;

    @Override
    protected void encode(ChannelHandlerContext ctx, ChatFrame frame, List<Object> out) {
        ByteBuf b;
        if (frame instanceof ChatFrame.ChannelFrame c) {
            b = ChannelFrames.encode(ctx.alloc(), c);
        } else if (frame instanceof ChatFrame.Message m) {
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
            default -> {
                if (ChannelFrames.isChannelFrame(type)) out.add(ChannelFrames.decode(type, in));
                else in.skipBytes(in.readableBytes()); // a newer peer's frame type: ignore
            }
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
