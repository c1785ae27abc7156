package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import lanchat.api.ChatMessage;
import org.junit.jupiter.api.Test;

class ChatFrameCodecTest {
    @Test
    void roundTripsEveryFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
        for (ChatFrame f : new ChatFrame[] {new ChatFrame.Message(ChatMessage.of("zoë", "hi ✓")), new ChatFrame.Message(ChatMessage.of(null, "")),
                new ChatFrame.Ping(-7), new ChatFrame.Pong(42), new ChatFrame.Bye()}) {
            assertTrue(ch.writeOutbound(f));
            ByteBuf wire = ch.readOutbound();
            assertEquals(wire.readableBytes() - 4, wire.readInt(), "length prefix");
            assertTrue(ch.writeInbound(wire)); // the length decoder normally strips it; here we already did
            assertEquals(f, ch.readInbound());
        }
        assertFalse(ch.finish());
    }

    @Test
    void aBadNickCostsTheNickNotTheMessage() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {ChatFrameCodec.MESSAGE, 3, 'a', ' ', 'b', 'h', 'i'}));
        ChatFrame.Message m = ch.readInbound();
        assertEquals(Optional.empty(), m.message().nick());
        assertEquals("hi", m.message().text());
    }

    @Test
    void unknownTypesAreSkipped() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
        assertFalse(ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {99, 1, 2, 3})));
        assertNull(ch.readInbound());
    }

    @Test
    void malformedFramesAreRejectedAndReleased() {
        byte[][] bad = {{}, {ChatFrameCodec.MESSAGE}, {ChatFrameCodec.MESSAGE, 5, 'a'}, {ChatFrameCodec.PING, 1, 2}, {ChatFrameCodec.PONG, 1, 2, 3, 4, 5, 6, 7, 8, 9}};
        for (byte[] b : bad) {
            EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
            ByteBuf in = Unpooled.wrappedBuffer(b);
            DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(in));
            assertInstanceOf(io.netty.handler.codec.CorruptedFrameException.class, e);
            if (b.length > 0) assertEquals(0, in.refCnt(), "input buffer leaked"); // the shared empty buffer is never freed
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void theBytesOnTheWireAreTheDocumentedLayout() {
        // pinned: nodes of different versions must keep understanding each other
        EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
        assertEquals("00000006" + "01" + "02" + "6869" + "796f", wire(ch, new ChatFrame.Message(ChatMessage.of("hi", "yo"))));
        assertEquals("00000003" + "01" + "00" + "78", wire(ch, new ChatFrame.Message(ChatMessage.of(null, "x"))));
        assertEquals("00000009" + "02" + "8000000000000000", wire(ch, new ChatFrame.Ping(Long.MIN_VALUE)));
        assertEquals("00000009" + "03" + "7fffffffffffffff", wire(ch, new ChatFrame.Pong(Long.MAX_VALUE)));
        assertEquals("00000001" + "04", wire(ch, new ChatFrame.Bye()));
        assertFalse(ch.finish());
    }

    private static String wire(EmbeddedChannel ch, ChatFrame f) {
        ch.writeOutbound(f);
        ByteBuf b = ch.readOutbound();
        try {
            return ByteBufUtil.hexDump(b);
        } finally {
            b.release();
        }
    }

    @Test
    void theLongestNickInBytesRoundTrips() {
        // 32 characters of 3 UTF-8 bytes each: the largest nick a frame's one-byte length must carry
        ChatFrame.Message m = new ChatFrame.Message(ChatMessage.of("漢".repeat(ChatMessage.MAX_NICK), "text"));
        EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
        ch.writeOutbound(m);
        ByteBuf wire = ch.readOutbound();
        assertEquals(3 * ChatMessage.MAX_NICK, wire.getUnsignedByte(5), "nick length byte");
        ch.writeInbound(wire.skipBytes(4));
        assertEquals(m, ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void malformedUtf8IsReplacedNotFatal() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {ChatFrameCodec.MESSAGE, 0, 'o', 'k', (byte) 0xC3, '(', (byte) 0xFF}));
        ChatFrame.Message m = ch.readInbound();
        assertEquals("ok\uFFFD(\uFFFD", m.message().text());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {ChatFrameCodec.PING, 0, 0, 0, 0, 0, 0, 0, 5}));
        assertEquals(new ChatFrame.Ping(5), ch.readInbound(), "the next frame is still decoded");
        assertFalse(ch.finish());
    }

    @Test
    void aNickThatIsNotAValidNickAfterDecodingIsDropped() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
        byte[] tooLong = "n".repeat(ChatMessage.MAX_NICK + 1).getBytes(StandardCharsets.UTF_8);
        ByteBuf f = Unpooled.buffer().writeByte(ChatFrameCodec.MESSAGE).writeByte(tooLong.length).writeBytes(tooLong).writeBytes("hi".getBytes(StandardCharsets.UTF_8));
        ch.writeInbound(f);
        ChatFrame.Message m = ch.readInbound();
        assertEquals(Optional.empty(), m.message().nick());
        assertEquals("hi", m.message().text());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {ChatFrameCodec.MESSAGE, 1, 7, 'x'})); // a control character
        assertEquals(Optional.empty(), ((ChatFrame.Message) ch.readInbound()).message().nick());
        assertFalse(ch.finish());
    }

    @Test
    void aTypeWithoutPayloadAndTypeZeroAreSkippedToo() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatFrameCodec());
        assertFalse(ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF})));
        assertFalse(ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 1, 2})));
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }
}
