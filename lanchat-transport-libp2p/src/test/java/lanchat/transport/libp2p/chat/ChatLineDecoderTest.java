package lanchat.transport.libp2p.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatLineDecoderTest {
    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static List<String> lines(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) out.add((String) m);
        return out;
    }

    @Test
    void splitsLinesStripsCrLfAndSkipsBlankLines() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(1024));
        ByteBuf in = bytes("hi\n\nhow are you?\r\n");
        ch.writeInbound(in);
        assertEquals(List.of("hi", "how are you?"), lines(ch));
        assertEquals(0, in.refCnt(), "the fully consumed input is released");
        assertFalse(ch.finish());
    }

    @Test
    void byteByByteDeliveryGivesTheSameLines() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(1024));
        byte[] all = "hi\n\nhow are you?\r\nüñï©ødé 😀\n".getBytes(StandardCharsets.UTF_8);
        List<ByteBuf> sent = new ArrayList<>();
        for (byte b : all) {
            ByteBuf one = Unpooled.buffer(1).writeByte(b);
            sent.add(one);
            ch.writeInbound(one);
        }
        assertEquals(List.of("hi", "how are you?", "üñï©ødé 😀"), lines(ch));
        for (ByteBuf b : sent) assertEquals(0, b.refCnt());
        assertFalse(ch.finish());
    }

    @Test
    void goChatFramingTextNewlineNewline() {
        // go-libp2p's chat example writes ReadString('\n') + "\n": every line is followed by a blank one
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(1024));
        ch.writeInbound(bytes("hello from go\n\n"));
        ch.writeInbound(bytes("second\n\n"));
        assertEquals(List.of("hello from go", "second"), lines(ch));
        assertFalse(ch.finish());
    }

    @Test
    void onlyBlankLinesGiveNothing() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(16));
        ch.writeInbound(bytes("\n\r\n\n\r\n"));
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void aLineOfExactlyTheMaximumIsAccepted() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(10));
        ch.writeInbound(bytes("0123456789\n"));
        assertEquals(List.of("0123456789"), lines(ch));
        assertFalse(ch.finish());
    }

    @Test
    void anOverlongLineFailsFastAndTheInputIsReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(10));
        // no newline yet: fail fast, do not wait for the end of the line
        ByteBuf in = bytes("x".repeat(11));
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(in));
        assertInstanceOf(TooLongFrameException.class, e);
        assertEquals(0, in.refCnt(), "the discarded input is released");
        assertNull(ch.readInbound());
        // the rest of the overlong line is discarded; the decoder resynchronises on the next newline
        ByteBuf rest = bytes("yyyy\nok\n");
        ch.writeInbound(rest);
        assertEquals(List.of("ok"), lines(ch));
        assertEquals(0, rest.refCnt());
        assertFalse(ch.finish());
    }

    @Test
    void anOverlongLineWithItsNewlineInTheSameReadFailsAndWhatFollowsIsStillDecoded() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(10));
        ByteBuf in = bytes("a".repeat(4096) + "\nafter\n");
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(in));
        assertInstanceOf(TooLongFrameException.class, e);
        // the line after the dropped one arrived in the same read: it is decoded now, not when more bytes come
        assertEquals(List.of("after"), lines(ch));
        assertEquals(0, in.refCnt());
        assertFalse(ch.finish());
    }

    @Test
    void severalOverlongLinesInOneReadAreEachReported() {
        List<Throwable> errors = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(4), new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                errors.add(cause);
            }
        });
        ByteBuf in = bytes("ok\ntoo long 1\nfine\ntoo long 2\r\nend\n");
        ch.writeInbound(in);
        assertEquals(List.of("ok", "fine", "end"), lines(ch));
        assertEquals(2, errors.size());
        errors.forEach(t -> assertInstanceOf(TooLongFrameException.class, t));
        assertEquals(0, in.refCnt());
        assertFalse(ch.finish());
    }

    @Test
    void aDecoderWhoseChannelClosesOnTheErrorStopsDecoding() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(4), new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
        ByteBuf in = bytes("too long\nnot delivered\n");
        ch.writeInbound(in);
        assertNull(ch.readInbound(), "nothing after the error reaches a closed channel");
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
        assertEquals(0, in.refCnt());
    }

    @Test
    void invalidUtf8IsReplacedNotFatal() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(64));
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {'a', (byte) 0xC3, 'b', (byte) 0xFF, (byte) 0xFE, '\n', 'o', 'k', '\n'});
        ch.writeInbound(in);
        List<String> got = lines(ch);
        assertEquals(2, got.size());
        assertTrue(got.get(0).startsWith("a") && got.get(0).contains("\uFFFD") && got.get(0).contains("b"), got.get(0));
        assertEquals("ok", got.get(1));
        assertEquals(0, in.refCnt());
        assertTrue(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void a64KibLineDecodesWhole() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(1 << 20));
        char[] c = new char[64 * 1024];
        Arrays.fill(c, 'z');
        String line = new String(c);
        ByteBuf in = bytes(line + "\n");
        // delivered in 4 KiB pieces, as a yamux stream might
        ByteBuf whole = in;
        while (whole.isReadable()) ch.writeInbound(whole.readRetainedSlice(Math.min(4096, whole.readableBytes())));
        whole.release();
        assertEquals(List.of(line), lines(ch));
        assertEquals(0, in.refCnt());
        assertFalse(ch.finish());
    }

    @Test
    void aTrailingLineWithoutNewlineIsNotDeliveredAndNotLeaked() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(64));
        ByteBuf in = bytes("done\npartial");
        ch.writeInbound(in);
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals(List.of("done"), lines(ch));
        assertFalse(ch.finish());
        assertEquals(0, in.refCnt());
    }

    @Test
    void aCrLfSplitAcrossReadsIsStrippedAndAllowsALineOfExactlyTheMaximum() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(3));
        ch.writeInbound(bytes("ab"));
        ch.writeInbound(bytes("c\r")); // 4 bytes so far: one over the maximum, but only the \r of a \r\n
        ch.writeInbound(bytes("\nxy\r"));
        ch.writeInbound(bytes("\n"));
        assertEquals(List.of("abc", "xy"), lines(ch));
        assertFalse(ch.finish());
    }

    @Test
    void aSplitLineOneByteOverTheMaximumFailsBeforeItsEnd() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(3));
        ch.writeInbound(bytes("ab"));
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(bytes("cd")));
        assertInstanceOf(TooLongFrameException.class, e);
        ch.writeInbound(bytes("e\nok\n"));
        assertEquals(List.of("ok"), lines(ch));
        assertFalse(ch.finish());
    }

    @Test
    void directBuffersSplitAnywhereGiveTheSameLinesAsOneHeapBuffer() {
        String text = "first line\r\n\nsecond: üñï©ødé 😀\n" + "x".repeat(5000) + "\nlast\n";
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        List<String> expected = List.of("first line", "second: üñï©ødé 😀", "x".repeat(5000), "last");
        EmbeddedChannel whole = new EmbeddedChannel(new ChatLineDecoder(8192));
        whole.writeInbound(Unpooled.wrappedBuffer(all));
        assertEquals(expected, lines(whole));
        for (int piece : new int[] {1, 7, 1000, 4096}) {
            EmbeddedChannel ch = new EmbeddedChannel(new ChatLineDecoder(8192));
            List<ByteBuf> sent = new ArrayList<>();
            for (int at = 0; at < all.length; at += piece) {
                ByteBuf b = Unpooled.directBuffer(piece).writeBytes(all, at, Math.min(piece, all.length - at));
                sent.add(b);
                ch.writeInbound(b);
            }
            assertEquals(expected, lines(ch), "pieces of " + piece);
            for (ByteBuf b : sent) assertEquals(0, b.refCnt());
            assertFalse(ch.finish());
        }
    }

    @Test
    void rejectsANonPositiveMaximum() {
        assertThrows(IllegalArgumentException.class, () -> new ChatLineDecoder(0));
    }
}
