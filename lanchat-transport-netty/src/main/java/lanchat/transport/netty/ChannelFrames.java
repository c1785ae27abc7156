package lanchat.transport.netty;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import lanchat.transport.netty.ChatFrame.Accept;
import lanchat.transport.netty.ChatFrame.ChannelFrame;
import lanchat.transport.netty.ChatFrame.Close;
import lanchat.transport.netty.ChatFrame.Credit;
import lanchat.transport.netty.ChatFrame.Data;
import lanchat.transport.netty.ChatFrame.Open;
import lanchat.transport.netty.ChatFrame.Refuse;
import lanchat.transport.netty.ChatFrame.Reset;

/**
 * The bytes of the protocol channels' frames, and the constants both ends must agree on; {@link ChatFrameCodec}
 * documents the layout and calls this for frame types {@link #OPEN} to {@link #RESET}. Decoding checks the syntax
 * (sizes, ranges, reserved bits); what a frame means for its channel is {@link ChannelMux}'s business.
 */
final class ChannelFrames {
    static final byte OPEN = 0x10, ACCEPT = 0x11, REFUSE = 0x12, DATA = 0x13, CREDIT = 0x14, CLOSE = 0x15, RESET = 0x16;

    /** Largest DATA payload: a message is cut into chunks of at most this, so no channel frame is larger. */
    static final int MAX_CHUNK = 16 * 1024;
    /** Credit each side of a channel starts with, and the most it may ever hold. */
    static final int WINDOW = 256 * 1024;
    /** The message length a first chunk carries; it is charged to the credit like payload, so empty messages cost too. */
    static final int LENGTH_BYTES = 4;
    /** Largest channel frame after its own 4-byte length: type, channel, flags, message length and a full chunk. */
    static final int MAX_FRAME = 1 + 4 + 1 + LENGTH_BYTES + MAX_CHUNK;
    /** DATA flag: this chunk begins a message and carries its length. The other bits are reserved (zero). */
    static final int FIRST = 0x01;
    /** Longest reason a REFUSE may carry, in UTF-8 bytes. */
    static final int MAX_REASON = 256;
    /** Longest protocol id an OPEN may carry (as {@code ProtocolHandler.checkId} allows). */
    static final int MAX_PROTOCOL_ID = 128;

    private ChannelFrames() {}

    static boolean isChannelFrame(byte type) {
        return type >= OPEN && type <= RESET;
    }

    /** One buffer per frame, 4-byte length first; a DATA payload is not copied but composed behind its header. */
    static ByteBuf encode(ByteBufAllocator alloc, ChannelFrame frame) {
        if (frame instanceof Data d) {
            int header = 1 + 4 + 1 + (d.first() ? LENGTH_BYTES : 0);
            int payload = d.payload().readableBytes();
            ByteBuf head = alloc.buffer(4 + header).writeInt(header + payload).writeByte(DATA).writeInt(d.channel()).writeByte(d.first() ? FIRST : 0);
            if (d.first()) head.writeInt(d.messageLength());
            if (payload == 0) return head;
            CompositeByteBuf whole = alloc.compositeBuffer(2);
            return whole.addComponents(true, head, d.payload().retain()); // the encoder releases the frame itself
        }
        if (frame instanceof Open o) {
            byte[] id = o.protocol().getBytes(StandardCharsets.US_ASCII);
            return header(alloc, OPEN, o.channel(), id.length).writeBytes(id);
        }
        if (frame instanceof Refuse r) {
            byte[] reason = r.reason().getBytes(StandardCharsets.UTF_8);
            if (reason.length > MAX_REASON) throw new IllegalArgumentException("refusal reason over " + MAX_REASON + " bytes: " + r.reason());
            return header(alloc, REFUSE, r.channel(), reason.length).writeBytes(reason);
        }
        if (frame instanceof Credit c) return header(alloc, CREDIT, c.channel(), 4).writeInt(c.bytes());
        if (frame instanceof Accept a) return header(alloc, ACCEPT, a.channel(), 0);
        if (frame instanceof Close c) return header(alloc, CLOSE, c.channel(), 0);
        return header(alloc, RESET, ((Reset) frame).channel(), 0);
    }

    private static ByteBuf header(ByteBufAllocator alloc, byte type, int channel, int rest) {
        return alloc.buffer(4 + 5 + rest).writeInt(5 + rest).writeByte(type).writeInt(channel);
    }

    /** Decodes a frame of a channel type whose type byte was read; {@code in} is the rest of the frame. */
    static ChannelFrame decode(byte type, ByteBuf in) {
        if (in.readableBytes() < 4) throw new CorruptedFrameException("channel frame 0x" + Integer.toHexString(type) + " without its channel id");
        int channel = in.readInt();
        if (channel <= 0) throw new CorruptedFrameException("channel id " + Integer.toUnsignedString(channel) + " out of range 1..2^31-1");
        return switch (type) {
            case OPEN -> new Open(channel, protocolId(in));
            case ACCEPT -> expectEnd(in, new Accept(channel));
            case REFUSE -> {
                if (in.readableBytes() > MAX_REASON) throw new CorruptedFrameException("refusal reason over " + MAX_REASON + " bytes");
                yield new Refuse(channel, in.readCharSequence(in.readableBytes(), StandardCharsets.UTF_8).toString());
            }
            case DATA -> data(channel, in);
            case CREDIT -> {
                if (in.readableBytes() != 4) throw new CorruptedFrameException("credit frame must carry 4 bytes");
                int bytes = in.readInt();
                if (bytes <= 0 || bytes > WINDOW) throw new CorruptedFrameException("credit of " + Integer.toUnsignedString(bytes) + " bytes out of range 1.." + WINDOW);
                yield new Credit(channel, bytes);
            }
            case CLOSE -> expectEnd(in, new Close(channel));
            default -> expectEnd(in, new Reset(channel));
        };
    }

    private static String protocolId(ByteBuf in) {
        int n = in.readableBytes();
        if (n < 1 || n > MAX_PROTOCOL_ID) throw new CorruptedFrameException("protocol id of " + n + " bytes, not 1.." + MAX_PROTOCOL_ID);
        for (int i = in.readerIndex(); i < in.writerIndex(); i++) {
            byte b = in.getByte(i);
            if (b <= ' ' || b > '~') throw new CorruptedFrameException("protocol id is not printable ASCII");
        }
        return in.readCharSequence(n, StandardCharsets.US_ASCII).toString();
    }

    private static Data data(int channel, ByteBuf in) {
        if (!in.isReadable()) throw new CorruptedFrameException("data frame without flags");
        int flags = in.readUnsignedByte();
        if ((flags & ~FIRST) != 0) throw new CorruptedFrameException("data frame with reserved flags 0x" + Integer.toHexString(flags));
        int length = Data.CONTINUATION;
        if ((flags & FIRST) != 0) {
            if (in.readableBytes() < LENGTH_BYTES) throw new CorruptedFrameException("first data frame without its message length");
            length = in.readInt();
            if (length < 0) throw new CorruptedFrameException("message length " + Integer.toUnsignedString(length) + " out of range");
        }
        if (in.readableBytes() > MAX_CHUNK) throw new CorruptedFrameException("data chunk of " + in.readableBytes() + " bytes over " + MAX_CHUNK);
        return new Data(channel, length, in.readRetainedSlice(in.readableBytes()));
    }

    private static <F extends ChannelFrame> F expectEnd(ByteBuf in, F frame) {
        if (in.isReadable()) throw new CorruptedFrameException(frame.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " frame with " + in.readableBytes() + " extra bytes");
        return frame;
    }
}
