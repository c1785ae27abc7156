package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

/** The protocol channels' frames through {@link ChatFrameCodec}: the bytes, round trips, and malformed input. */
class ChannelFramesTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());

    /** Encodes {@code frame} and returns its bytes without the 4-byte length, after checking that length. */
    private byte[] encode(ChatFrame frame) {
        assertTrue(ch.writeOutbound(frame));
        ByteBuf wire = ch.readOutbound();
        try {
            assertEquals(wire.readableBytes() - 4, wire.readInt(), "length prefix");
            return ByteBufUtil.getBytes(wire);
        } finally {
            wire.release();
        }
    }

    private ChatFrame decode(byte[] frame) {
        assertTrue(ch.writeInbound(Unpooled.wrappedBuffer(frame)));
        return ch.readInbound();
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    @Test
    void controlFramesHaveTheDocumentedBytesAndRoundTrip() {
        assertArrayEquals(bytes(0x10, 0, 0, 0, 3, '/', 'a', '/', '1'), encode(new ChatFrame.Open(3, "/a/1")));
        assertArrayEquals(bytes(0x11, 0, 0, 0, 4), encode(new ChatFrame.Accept(4)));
        assertArrayEquals(bytes(0x12, 0, 0, 1, 0, 'n', 'o'), encode(new ChatFrame.Refuse(256, "no")));
        assertArrayEquals(bytes(0x14, 0x7f, 0xff, 0xff, 0xff, 0, 4, 0, 0), encode(new ChatFrame.Credit(Integer.MAX_VALUE, 256 * 1024)));
        assertArrayEquals(bytes(0x15, 0, 0, 0, 9), encode(new ChatFrame.Close(9)));
        assertArrayEquals(bytes(0x16, 0, 0, 0, 10), encode(new ChatFrame.Reset(10)));
        for (ChatFrame f : new ChatFrame[] {new ChatFrame.Open(1, "/lanchat/example/echo/1.0.0"), new ChatFrame.Accept(2),
                new ChatFrame.Refuse(5, "too many channels ✓"), new ChatFrame.Refuse(7, ""), new ChatFrame.Credit(8, 1),
                new ChatFrame.Close(11), new ChatFrame.Reset(12)}) {
            assertEquals(f, decode(encode(f))); // the length decoder beneath the codec strips the prefix; encode() did
        }
        assertFalse(ch.finish());
    }

    @Test
    void dataFramesCarryTheMessageLengthOnlyInTheFirstChunk() {
        byte[] chunk = "hello".getBytes(StandardCharsets.US_ASCII);
        byte[] first = encode(new ChatFrame.Data(5, 1000, Unpooled.wrappedBuffer(chunk)));
        assertArrayEquals(bytes(0x13, 0, 0, 0, 5, 0x01, 0, 0, 0x03, 0xe8, 'h', 'e', 'l', 'l', 'o'), first);
        byte[] next = encode(new ChatFrame.Data(5, ChatFrame.Data.CONTINUATION, Unpooled.wrappedBuffer(chunk)));
        assertArrayEquals(bytes(0x13, 0, 0, 0, 5, 0x00, 'h', 'e', 'l', 'l', 'o'), next);
        assertArrayEquals(bytes(0x13, 0, 0, 0, 6, 0x01, 0, 0, 0, 0), encode(new ChatFrame.Data(6, 0, Unpooled.EMPTY_BUFFER)));

        for (byte[] wire : List.of(first, next)) {
            ChatFrame.Data d = (ChatFrame.Data) decode(wire);
            try {
                assertEquals(5, d.channel());
                assertEquals(wire == first, d.first());
                assertArrayEquals(chunk, ByteBufUtil.getBytes(d.payload()));
            } finally {
                d.release();
            }
        }
        assertFalse(ch.finish());
    }

    @Test
    void aFullChunkRoundTripsAndTheEncoderReleasesWhatItWasGiven() {
        byte[] payload = new byte[ChannelFrames.MAX_CHUNK];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 31);
        ByteBuf pooled = ch.alloc().buffer(payload.length).writeBytes(payload);
        byte[] wire = encode(new ChatFrame.Data(1, 3 * ChannelFrames.MAX_CHUNK, pooled));
        assertEquals(0, pooled.refCnt(), "the frame's payload is released once encoded");
        ChatFrame.Data d = (ChatFrame.Data) decode(wire);
        assertArrayEquals(payload, ByteBufUtil.getBytes(d.payload()));
        assertEquals(3 * ChannelFrames.MAX_CHUNK, d.messageLength());
        assertTrue(d.release());
        assertFalse(ch.finish());
    }

    @Test
    void malformedChannelFramesAreRejectedAndReleased() {
        List<byte[]> bad = new ArrayList<>(List.of(
                bytes(0x11, 0, 0, 1),                                 // channel id cut short
                bytes(0x11, 0, 0, 0, 0),                              // channel 0
                bytes(0x15, 0x80, 0, 0, 1),                           // channel id over 2^31-1
                bytes(0x11, 0, 0, 0, 1, 9),                           // accept with extra bytes
                bytes(0x16, 0, 0, 0, 1, 9),                           // reset with extra bytes
                bytes(0x10, 0, 0, 0, 1),                              // open without a protocol id
                bytes(0x10, 0, 0, 0, 1, '/', ' ', 'x'),               // protocol id with a space
                bytes(0x10, 0, 0, 0, 1, '/', 0xc3, 0xa9),             // protocol id not ASCII
                bytes(0x14, 0, 0, 0, 1, 0, 0, 0, 0),                  // credit of 0
                bytes(0x14, 0, 0, 0, 1, 0, 4, 0, 1),                  // credit over the window
                bytes(0x14, 0, 0, 0, 1, 0, 1),                        // credit cut short
                bytes(0x13, 0, 0, 0, 1),                              // data without flags
                bytes(0x13, 0, 0, 0, 1, 0x02, 'x'),                   // reserved flag
                bytes(0x13, 0, 0, 0, 1, 0x01, 0, 0),                  // first chunk, length cut short
                bytes(0x13, 0, 0, 0, 1, 0x01, 0xff, 0xff, 0xff, 0xff) // negative message length
        ));
        byte[] longId = new byte[5 + ChannelFrames.MAX_PROTOCOL_ID + 1];
        ByteBuffer.wrap(longId).put((byte) 0x10).putInt(1).put((byte) '/');
        java.util.Arrays.fill(longId, 6, longId.length, (byte) 'a');
        bad.add(longId);
        byte[] longReason = new byte[5 + ChannelFrames.MAX_REASON + 1];
        ByteBuffer.wrap(longReason).put((byte) 0x12).putInt(1);
        bad.add(longReason);
        byte[] bigChunk = new byte[6 + ChannelFrames.MAX_CHUNK + 1];
        ByteBuffer.wrap(bigChunk).put((byte) 0x13).putInt(1).put((byte) 0);
        bad.add(bigChunk);
        for (byte[] b : bad) {
            EmbeddedChannel c = new EmbeddedChannel(new ChatFrameCodec());
            ByteBuf in = Unpooled.wrappedBuffer(b);
            DecoderException e = assertThrows(DecoderException.class, () -> c.writeInbound(in), () -> ByteBufUtil.hexDump(b));
            assertInstanceOf(CorruptedFrameException.class, e);
            assertEquals(0, in.refCnt(), "input buffer leaked");
            assertFalse(c.finishAndReleaseAll());
        }
        assertFalse(ch.finish());
    }
}
