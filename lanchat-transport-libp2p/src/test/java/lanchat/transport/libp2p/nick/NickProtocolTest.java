package lanchat.transport.libp2p.nick;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import lanchat.api.ChatMessage;
import lanchat.transport.libp2p.wire.VarintFrameDecoder;
import org.junit.jupiter.api.Test;

class NickProtocolTest {
    private static Optional<String> decode(String text) {
        ByteBuf frame = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            Optional<String> nick = NickProtocol.decode(frame);
            assertEquals(0, frame.readerIndex(), "decode does not consume");
            return nick;
        } finally {
            frame.release();
        }
    }

    @Test
    void encodesAVarintLengthAndUtf8() {
        ByteBuf b = NickProtocol.encode(UnpooledByteBufAllocator.DEFAULT, "alice");
        assertArrayEquals(new byte[] {5, 'a', 'l', 'i', 'c', 'e'}, ByteBufUtil.getBytes(b));
        assertTrue(b.release());
        ByteBuf u = NickProtocol.encode(UnpooledByteBufAllocator.DEFAULT, "zoë");
        assertArrayEquals(new byte[] {4, 'z', 'o', (byte) 0xC3, (byte) 0xAB}, ByteBufUtil.getBytes(u));
        assertTrue(u.release());
    }

    @Test
    void roundTripsThroughTheFrameDecoderTheReceiverUses() {
        for (String nick : List.of("bob", "zoë", "日本語のニック", "😀".repeat(ChatMessage.MAX_NICK / 2), "x".repeat(ChatMessage.MAX_NICK))) {
            EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(NickProtocol.MAX_BYTES));
            ch.writeInbound(NickProtocol.encode(ch.alloc(), nick));
            ByteBuf frame = ch.readInbound();
            assertEquals(Optional.of(nick), NickProtocol.decode(frame));
            assertTrue(frame.release());
            assertTrue(!ch.finish());
        }
    }

    @Test
    void aMaximalNickFitsTheFrameLimit() {
        // the widest valid nicks: 32 three-byte characters, or 16 four-byte ones (a surrogate pair counts as 2 chars)
        for (String widest : List.of("€".repeat(ChatMessage.MAX_NICK), "😀".repeat(ChatMessage.MAX_NICK / 2))) {
            assertEquals(Optional.of(widest), decode(widest));
            assertTrue(widest.getBytes(StandardCharsets.UTF_8).length <= NickProtocol.MAX_BYTES);
        }
    }

    @Test
    void invalidNicksAreDroppedNotFatal() {
        assertEquals(Optional.empty(), decode(""));
        assertEquals(Optional.empty(), decode("two words"));
        assertEquals(Optional.empty(), decode("tab\there"));
        assertEquals(Optional.empty(), decode("new\nline"));
        assertEquals(Optional.empty(), decode("bell\u0007"));
        assertEquals(Optional.empty(), decode("nbsp\u00A0"));
        assertEquals(Optional.empty(), decode("narrow\u202Fnbsp"));
        assertEquals(Optional.empty(), decode("del\u007F"));
        assertEquals(Optional.empty(), decode("x".repeat(ChatMessage.MAX_NICK + 1)));
        assertEquals(Optional.of("x".repeat(ChatMessage.MAX_NICK)), decode("x".repeat(ChatMessage.MAX_NICK)));
    }

    @Test
    void invalidUtf8IsReplacedAndStillChecked() {
        ByteBuf frame = Unpooled.wrappedBuffer(new byte[] {'a', (byte) 0xFF, 'b'});
        assertEquals(Optional.of("a\uFFFDb"), NickProtocol.decode(frame));
        frame.release();
        ByteBuf control = Unpooled.wrappedBuffer(new byte[] {'a', 0, 'b'});
        assertEquals(Optional.empty(), NickProtocol.decode(control));
        control.release();
    }
}
