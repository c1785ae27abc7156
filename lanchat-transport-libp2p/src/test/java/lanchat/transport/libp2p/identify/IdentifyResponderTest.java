package lanchat.transport.libp2p.identify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import lanchat.api.Identity;
import lanchat.api.internal.Varint;
import lanchat.transport.libp2p.Wire;
import lanchat.transport.libp2p.wire.VarintFrameDecoder;
import org.junit.jupiter.api.Test;

class IdentifyResponderTest {
    private final IdentifyMessage message = IdentifyMessageTest.full(Identity.generate().publicKey().encode());

    @Test
    void writesExactlyOneLengthPrefixedMessageAndCloses() {
        AtomicInteger built = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(new IdentifyResponder(() -> {
            built.incrementAndGet();
            return message;
        }));
        ByteBuf out = ch.readOutbound();
        assertNull(ch.readOutbound(), "one buffer");
        byte[] wire = new byte[out.readableBytes()];
        out.readBytes(wire);
        out.release();
        ByteBuffer in = ByteBuffer.wrap(wire);
        int length = Varint.readInt(in);
        assertEquals(in.remaining(), length, "the prefix covers exactly the rest");
        IdentifyMessageTest.assertSame(message, IdentifyMessage.decode(Arrays.copyOfRange(wire, in.position(), wire.length)));
        assertFalse(ch.isOpen(), "closed after the write");
        assertEquals(1, built.get(), "the message is built once, when sent");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void addedBeforeTheStreamIsActiveItAnswersOnActivation() throws Exception {
        AtomicInteger built = new AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.pipeline().addLast(new IdentifyResponder(() -> {
            built.incrementAndGet();
            return message;
        }));
        assertEquals(0, built.get());
        ch.register();
        byte[] wire = Wire.drainOutbound(ch);
        assertEquals(1, built.get());
        ByteBuffer in = ByteBuffer.wrap(wire);
        int length = Varint.readInt(in);
        assertEquals(in.remaining(), length);
        IdentifyMessageTest.assertSame(message, IdentifyMessage.decode(Arrays.copyOfRange(wire, in.position(), wire.length)));
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void whatThePeerSendsIsDiscarded() {
        // hold the answer in flight so the stream stays open while the peer's bytes arrive
        List<Object> held = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                held.add(msg);
            }
        }, new IdentifyResponder(() -> message));
        assertEquals(1, held.size());
        assertTrue(ch.isOpen());
        ByteBuf junk = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        ch.writeInbound(junk);
        assertEquals(0, junk.refCnt());
        assertNull(ch.readInbound(), "not passed on");
        held.forEach(ReferenceCountUtil::release);
        ch.finishAndReleaseAll();
    }

    @Test
    void aReaderOnTheOtherEndGetsTheMessage() throws Exception {
        EmbeddedChannel responder = new EmbeddedChannel(new IdentifyResponder(() -> message));
        IdentifyReader reader = new IdentifyReader();
        EmbeddedChannel requester = new EmbeddedChannel(new VarintFrameDecoder(IdentifyProtocol.MAX_MESSAGE), reader);
        Wire.pump(responder, requester);
        requester.close(); // the responder's close arrives as the end of the stream
        IdentifyMessageTest.assertSame(message, reader.result().get());
        responder.finishAndReleaseAll();
        requester.finishAndReleaseAll();
    }
}
