package lanchat.transport.netty;

import static lanchat.api.internal.Bytes.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

class HelloTest {
    private final List<Object> events = new ArrayList<>();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new Hello(), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
    }

    @Test
    void sendsItsHelloAndLeavesOnceThePeersMatches() {
        EmbeddedChannel ch = channel();
        ByteBuf sent = ch.readOutbound();
        assertEquals(ByteBufUtil.hexDump(Hello.bytes()), ByteBufUtil.hexDump(sent));
        sent.release();
        byte[] hello = ByteBufUtil.getBytes(Hello.bytes());
        ch.writeInbound(Unpooled.wrappedBuffer(hello, 0, 10)); // split delivery
        assertTrue(events.isEmpty());
        ch.writeInbound(Unpooled.wrappedBuffer(concat(java.util.Arrays.copyOfRange(hello, 10, hello.length), new byte[] {7, 8})));
        assertSame(Hello.MATCHED, events.get(0));
        assertNull(ch.pipeline().get(Hello.class), "hello removes itself");
        ByteBuf rest = ch.readInbound();
        assertEquals("0708", ByteBufUtil.hexDump(rest), "bytes after the hello are passed on");
        rest.release();
        assertFalse(ch.finish());
    }

    @Test
    void namesLibp2pWhenThePeerSpeaksMultistreamOtherwise() {
        EmbeddedChannel ch = channel();
        ((ByteBuf) ch.readOutbound()).release();
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer("\u0013/multistream/1.0.0\n\u0003na\n".getBytes(StandardCharsets.US_ASCII))));
        assertInstanceOf(WrongTransportException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("speaks libp2p"), e.getCause().getMessage());
    }

    @Test
    void rejectsAnythingElse() {
        EmbeddedChannel ch = channel();
        ((ByteBuf) ch.readOutbound()).release();
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertTrue(e.getCause().getMessage().contains("does not speak"), e.getCause().getMessage());
    }
    @Test
    void aHelloDeliveredOneByteAtATimeMatches() {
        EmbeddedChannel ch = channel();
        ((ByteBuf) ch.readOutbound()).release();
        for (byte b : ByteBufUtil.getBytes(Hello.bytes())) {
            assertTrue(events.isEmpty(), "matched early");
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertSame(Hello.MATCHED, events.get(0));
        assertNull(ch.readInbound(), "nothing followed the hello");
        assertFalse(ch.finish());
    }

    @Test
    void aPartialHelloWaitsAndAClosedConnectionMatchesNothing() {
        EmbeddedChannel ch = channel();
        ((ByteBuf) ch.readOutbound()).release();
        ch.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.getBytes(Hello.bytes()), 0, 5));
        assertNotNull(ch.pipeline().get(Hello.class), "the hello handler left before the whole hello");
        assertTrue(events.isEmpty(), "matched a partial hello");
        ch.close(); // the peer hung up mid-hello
        assertTrue(events.stream().noneMatch(e -> e == Hello.MATCHED), "matched a partial hello on close");
    }

    @Test
    void anotherLanChatProtocolVersionIsRefusedAndNamed() {
        EmbeddedChannel ch = channel();
        ((ByteBuf) ch.readOutbound()).release();
        byte[] v2 = "\u0013/multistream/1.0.0\n\u0015/lanchat-netty/2.0.0\n".getBytes(StandardCharsets.US_ASCII);
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(v2)));
        assertTrue(e.getCause().getMessage().contains("/lanchat-netty/2.0.0"), e.getCause().getMessage());
        assertTrue(events.isEmpty());
    }

    @Test
    void theProtocolALibp2pDialerOffersIsNamed() {
        EmbeddedChannel ch = channel();
        ((ByteBuf) ch.readOutbound()).release();
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer("\u0013/multistream/1.0.0\n\u0007/noise\n".getBytes(StandardCharsets.US_ASCII))));
        assertTrue(e.getCause().getMessage().contains(": /noise)"), e.getCause().getMessage());
    }

    @Test
    void theExplanationOfAFloodOfGarbageStaysShort() {
        byte[] flood = new byte[1 << 20];
        java.util.Arrays.fill(flood, (byte) 'A');
        System.arraycopy(ByteBufUtil.getBytes(Hello.bytes()), 0, flood, 0, 20); // the multistream header, then junk
        ByteBuf in = Unpooled.wrappedBuffer(flood);
        String why = Hello.explain(in);
        assertTrue(why.length() < 200, "explanation of " + why.length() + " characters");
        assertEquals(0, in.readerIndex(), "explaining consumed input");
    }
}
