package lanchat.transport.netty;

import static lanchat.api.internal.Bytes.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
}
