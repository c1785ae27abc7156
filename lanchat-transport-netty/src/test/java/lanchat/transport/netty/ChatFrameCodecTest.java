package lanchat.transport.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import io.netty.buffer.ByteBuf;
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
}
