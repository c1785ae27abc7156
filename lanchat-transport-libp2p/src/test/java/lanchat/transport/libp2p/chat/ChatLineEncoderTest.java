package lanchat.transport.libp2p.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatLineEncoderTest {
    private static byte[] encode(String line) {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineEncoder());
        assertTrue(ch.writeOutbound(line));
        ByteBuf out = ch.readOutbound();
        byte[] b = ByteBufUtil.getBytes(out);
        assertTrue(out.release());
        assertNull(ch.readOutbound(), "one buffer per line");
        assertFalse(ch.finish());
        return b;
    }

    @Test
    void writesUtf8FollowedByNewline() {
        assertArrayEquals("hi\n".getBytes(StandardCharsets.UTF_8), encode("hi"));
        assertArrayEquals("grüße, 世界 😀\n".getBytes(StandardCharsets.UTF_8), encode("grüße, 世界 😀"));
    }

    @Test
    void anEmptyLineIsJustANewline() {
        assertArrayEquals(new byte[] {'\n'}, encode(""));
    }

    @Test
    void aLoneSurrogateBecomesAQuestionMarkNotAnError() {
        assertArrayEquals("a?b\n".getBytes(StandardCharsets.UTF_8), encode("a\uD800b"));
    }

    @Test
    void isSharableAndRoundTripsThroughTheDecoder() {
        ChatLineEncoder shared = new ChatLineEncoder();
        EmbeddedChannel a = new EmbeddedChannel(shared);
        EmbeddedChannel b = new EmbeddedChannel(shared);
        String big = "ä".repeat(40_000); // 80 000 UTF-8 bytes
        a.writeOutbound("first", big);
        b.writeOutbound("other channel");
        EmbeddedChannel decoder = new EmbeddedChannel(new ChatLineDecoder(1 << 20));
        for (Object m; (m = a.readOutbound()) != null; ) decoder.writeInbound(m);
        assertEquals("first", decoder.readInbound());
        assertEquals(big, decoder.readInbound());
        ByteBuf other = b.readOutbound();
        assertEquals("other channel\n", other.toString(StandardCharsets.UTF_8));
        other.release();
        assertFalse(a.finish());
        assertFalse(b.finish());
        assertFalse(decoder.finish());
    }

    @Test
    void otherMessagesPassThrough() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineEncoder());
        Integer notAString = 42;
        ch.writeOutbound(notAString);
        assertEquals(List.of(42), List.of((Integer) ch.readOutbound()));
        assertFalse(ch.finish());
    }

    @Test
    void wireLinesSplitLikeStringLinesDropBlankOnesAndEndEachWithANewline() {
        for (String text : List.of("hi", "  hi  ", "a\nb", "a\r\nb\rc\n", "\n\nx\n \n\ty\n", "€ ünïcödé 😀", "", " ", "\r\n")) {
            List<String> expected = text.lines().filter(l -> !l.isBlank()).map(l -> l + "\n").toList();
            List<String> got = ChatLineEncoder.wireLines(text, 1000).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
            assertEquals(expected, got, text);
        }
    }

    @Test
    void wireLinesEncodeLikeTheEncoderAndEnforceTheLimitInUtf8Bytes() {
        String line = "x€" + "\uD800"; // a lone surrogate: '?' in both
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineEncoder());
        ch.writeOutbound(line);
        ByteBuf viaEncoder = ch.readOutbound();
        assertArrayEquals(ByteBufUtil.getBytes(viaEncoder), ChatLineEncoder.wireLines(line, 100).get(0));
        viaEncoder.release();
        ch.finishAndReleaseAll();
        String euros = "€".repeat(10); // 30 bytes in UTF-8, 10 chars
        assertEquals(31, ChatLineEncoder.wireLines(euros, 30).get(0).length);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ChatLineEncoder.wireLines(euros, 29));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ChatLineEncoder.wireLines("ok\n" + euros, 29));
    }
}
