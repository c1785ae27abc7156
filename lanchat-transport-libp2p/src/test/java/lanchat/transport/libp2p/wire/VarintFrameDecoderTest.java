package lanchat.transport.libp2p.wire;

import static lanchat.api.internal.Bytes.concat;
import static lanchat.transport.libp2p.Wire.buf;
import static lanchat.transport.libp2p.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import lanchat.api.internal.Varint;
import org.junit.jupiter.api.Test;

class VarintFrameDecoderTest {

    private static byte[] frame(byte[] payload) {
        return concat(Varint.encode(payload.length), payload);
    }

    private static String readString(EmbeddedChannel ch) {
        ByteBuf b = ch.readInbound();
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    @Test
    void decodesOneFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(100));
        assertTrue(ch.writeInbound(buf(hex("05 68656c6c6f"))));
        assertEquals("hello", readString(ch));
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void decodesSeveralFramesFromOneRead() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(100));
        ch.writeInbound(buf(concat(frame("a".getBytes()), frame(new byte[0]), frame("bc".getBytes()))));
        assertEquals("a", readString(ch));
        assertEquals("", readString(ch));
        assertEquals("bc", readString(ch));
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void handlesEverySplitPointIncludingInsideTheVarint() {
        byte[] payload = new byte[300]; // two-byte prefix 0xAC 0x02
        Arrays.fill(payload, (byte) 'x');
        byte[] wire = concat(frame(payload), frame("z".getBytes()));
        assertArrayEquals(hex("ac02"), Arrays.copyOf(wire, 2));
        for (int split = 0; split <= wire.length; split++) {
            EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(1000));
            ch.writeInbound(buf(Arrays.copyOfRange(wire, 0, split)));
            ch.writeInbound(buf(Arrays.copyOfRange(wire, split, wire.length)));
            assertEquals("x".repeat(300), readString(ch), "split at " + split);
            assertEquals("z", readString(ch), "split at " + split);
            assertNull(ch.readInbound());
            assertFalse(ch.finish());
        }
    }

    @Test
    void byteByByte() {
        byte[] wire = frame("hello world".getBytes());
        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(100));
        for (byte b : wire) ch.writeInbound(buf(new byte[] {b}));
        assertEquals("hello world", readString(ch));
        assertFalse(ch.finish());
    }

    @Test
    void acceptsExactlyMaxAndRejectsOneMoreBeforeThePayloadArrives() {
        EmbeddedChannel ok = new EmbeddedChannel(new VarintFrameDecoder(3));
        ok.writeInbound(buf(frame("abc".getBytes())));
        assertEquals("abc", readString(ok));
        assertFalse(ok.finish());

        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(3));
        // only the prefix: rejected without waiting for (or buffering) the payload
        TooLongFrameException e = assertThrows(TooLongFrameException.class, () -> ch.writeInbound(buf(hex("04"))));
        assertTrue(e.getMessage().contains("maxFrameLength 3"), e.getMessage());
        // the stream is unusable now: later bytes, even a valid frame, are dropped
        ByteBuf later = buf(frame("ab".getBytes()));
        ch.writeInbound(later);
        assertEquals(0, later.refCnt());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void rejectsHugeLengthWithoutAllocating() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(1 << 20));
        assertThrows(TooLongFrameException.class, () -> ch.writeInbound(buf(Varint.encode(Long.MAX_VALUE))));
        assertFalse(ch.finish());
    }

    @Test
    void rejectsNonMinimalVarint() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(100));
        // 0x85 0x00 is a two-byte spelling of 5
        CorruptedFrameException e = assertThrows(CorruptedFrameException.class,
                () -> ch.writeInbound(buf(hex("8500 68656c6c6f"))));
        assertTrue(e.getMessage().contains("minimal"), e.getMessage());
        assertFalse(ch.finish());
    }

    @Test
    void rejectsVarintLongerThanNineBytes() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(100));
        assertThrows(CorruptedFrameException.class, () -> ch.writeInbound(buf(hex("ffffffffffffffffff01"))));
        assertFalse(ch.finish());
        // nine continuation bytes are already too long, before the tenth arrives
        EmbeddedChannel ch2 = new EmbeddedChannel(new VarintFrameDecoder(100));
        assertThrows(CorruptedFrameException.class, () -> ch2.writeInbound(buf(hex("808080808080808080"))));
        assertFalse(ch2.finish());
    }

    @Test
    void incompleteVarintWaits() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(1000));
        assertFalse(ch.writeInbound(buf(hex("ac"))));
        assertFalse(ch.writeInbound(buf(hex("02"))));
        assertNull(ch.readInbound());
        assertFalse(ch.finish()); // the partial frame is dropped on close
    }

    @Test
    void framesAreSlicesNotCopies() {
        EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(100));
        ByteBuf in = Unpooled.buffer().writeBytes(frame("abc".getBytes()));
        ch.writeInbound(in);
        ByteBuf out = ch.readInbound();
        assertEquals(in.unwrap() == null ? in : in.unwrap(), out.unwrap() == null ? out : out.unwrap());
        out.release();
        assertEquals(0, in.refCnt());
        assertFalse(ch.finish());
    }

    @Test
    void constructorValidates() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VarintFrameDecoder(-1));
        assertTrue(e.getMessage().contains("maxFrameLength"));
    }

    @Test
    void unsignedVarintMatchesTheApiEncoder() {
        long[] values = {0, 1, 127, 128, 300, 16383, 16384, Integer.MAX_VALUE, (1L << 56) - 1, Long.MAX_VALUE};
        for (long v : values) {
            ByteBuf b = UnsignedVarint.write(Unpooled.buffer(), v);
            assertArrayEquals(Varint.encode(v), ByteBufUtil.getBytes(b), "value " + v);
            assertEquals(v, UnsignedVarint.peek(b));
            assertEquals(0, b.readerIndex());
            b.release();
        }
    }
}
