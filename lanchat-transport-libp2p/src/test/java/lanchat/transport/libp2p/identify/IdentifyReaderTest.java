package lanchat.transport.libp2p.identify;

import static lanchat.api.internal.Bytes.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import lanchat.api.Identity;
import lanchat.api.internal.ProtoWriter;
import lanchat.api.internal.Varint;
import lanchat.transport.libp2p.wire.VarintFrameDecoder;
import org.junit.jupiter.api.Test;

class IdentifyReaderTest {
    private final IdentifyReader reader = new IdentifyReader();
    private final EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(IdentifyProtocol.MAX_MESSAGE), reader);

    private static byte[] framed(byte[] body) {
        return concat(Varint.encode(body.length), body);
    }

    private Throwable failure() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> reader.result().get());
        return e.getCause();
    }

    @Test
    void mergesTwoMessagesAndCompletesWhenThePeerClosesItsSide() throws Exception {
        byte[] key = Identity.generate().publicKey().encode();
        byte[] one = new ProtoWriter().bytes(1, key).string(3, "/chat/1.1.0").bytes(2, IdentifyMessageTest.LAN.toBytes()).toByteArray();
        byte[] two = new ProtoWriter().string(3, "/ipfs/ping/1.0.0").string(6, "agent").bytes(2, IdentifyMessageTest.LOOP6.toBytes()).toByteArray();
        byte[] wire = concat(framed(one), framed(two));
        // split mid-prefix and mid-body
        List<ByteBuf> parts = new ArrayList<>();
        for (int at = 0; at < wire.length; at += 7) parts.add(Unpooled.copiedBuffer(wire, at, Math.min(7, wire.length - at)));
        for (ByteBuf p : parts) ch.writeInbound(p);
        assertFalse(reader.result().isDone(), "more messages may follow until the peer closes");
        assertTrue(ch.isOpen());
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        IdentifyMessage m = reader.result().get();
        assertArrayEquals(key, m.publicKey().orElseThrow());
        assertEquals(List.of("/chat/1.1.0", "/ipfs/ping/1.0.0"), m.protocols());
        assertEquals(List.of(IdentifyMessageTest.LAN, IdentifyMessageTest.LOOP6), m.listenAddrs());
        assertEquals(Optional.of("agent"), m.agentVersion());
        assertFalse(ch.isOpen(), "the reader closes the stream once done");
        for (ByteBuf p : parts) assertEquals(0, p.refCnt());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void completesWhenTheStreamCloses() throws Exception {
        ch.writeInbound(Unpooled.wrappedBuffer(framed(new ProtoWriter().string(6, "x").toByteArray())));
        ch.close();
        assertEquals(Optional.of("x"), reader.result().get().agentVersion());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void anEmptyMessageCounts() throws Exception {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0}));
        ch.close();
        IdentifyReaderTestSupport.assertEmpty(reader.result().get());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void failsWhenTheStreamEndsWithoutAMessage() {
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        Throwable cause = failure();
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().contains("without a message"), cause.getMessage());
        assertFalse(ch.isOpen());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void failsWhenClosedWithAHalfMessage() {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {10, 1, 2, 3}));
        ch.close();
        assertInstanceOf(IOException.class, failure());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void failsOnMoreThanMaxMessages() {
        byte[] body = new ProtoWriter().string(3, "/p").toByteArray();
        ByteBuf all = Unpooled.buffer();
        for (int i = 0; i <= IdentifyProtocol.MAX_MESSAGES + 2; i++) all.writeBytes(framed(body));
        ch.writeInbound(all);
        Throwable cause = failure();
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().contains("more than " + IdentifyProtocol.MAX_MESSAGES), cause.getMessage());
        assertFalse(ch.isOpen());
        assertEquals(0, all.refCnt());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void exactlyMaxMessagesIsFine() throws Exception {
        for (int i = 0; i < IdentifyProtocol.MAX_MESSAGES; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(framed(new ProtoWriter().string(3, "/p" + i).toByteArray())));
        }
        ch.close();
        assertEquals(IdentifyProtocol.MAX_MESSAGES, reader.result().get().protocols().size());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void failsOnAMalformedMessage() {
        ByteBuf bad = Unpooled.wrappedBuffer(framed(new byte[] {0x0a, 9, 1}));
        ch.writeInbound(bad);
        Throwable cause = failure();
        assertInstanceOf(IOException.class, cause);
        assertTrue(cause.getMessage().startsWith("bad identify message"), cause.getMessage());
        assertFalse(ch.isOpen());
        assertEquals(0, bad.refCnt());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void failsOnAnOversizedFrameWithoutBufferingIt() {
        ByteBuf huge = Unpooled.wrappedBuffer(Varint.encode(IdentifyProtocol.MAX_MESSAGE + 1), new byte[100]);
        ch.writeInbound(huge);
        assertInstanceOf(TooLongFrameException.class, failure());
        assertFalse(ch.isOpen());
        assertEquals(0, huge.refCnt());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void messagesOfUpTo8KiBAreReadAsGoLibp2pDoesAndLongerOnesRefused() throws Exception {
        byte[] limit = new ProtoWriter().string(6, "a".repeat(8192 - 3)).toByteArray(); // tag, 2-byte length, text
        assertEquals(8192, limit.length);
        ch.writeInbound(Unpooled.wrappedBuffer(framed(limit)));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals(8189, reader.result().get().agentVersion().orElseThrow().length());

        IdentifyReader second = new IdentifyReader();
        EmbeddedChannel other = new EmbeddedChannel(new VarintFrameDecoder(IdentifyProtocol.MAX_MESSAGE), second);
        ByteBuf over = Unpooled.wrappedBuffer(framed(new ProtoWriter().string(6, "a".repeat(8192 - 2)).toByteArray()));
        other.writeInbound(over);
        assertTrue(second.result().isCompletedExceptionally(), "refused as it arrives");
        ExecutionException e = assertThrows(ExecutionException.class, () -> second.result().get());
        assertInstanceOf(TooLongFrameException.class, e.getCause());
        assertEquals(0, over.refCnt());
        assertFalse(other.finishAndReleaseAll());
        ch.finishAndReleaseAll();
    }

    @Test
    void otherMessagesPassThrough() {
        ch.pipeline().fireChannelRead("not a frame");
        assertEquals("not a frame", ch.readInbound());
        assertFalse(reader.result().isDone());
        ch.finishAndReleaseAll();
    }
}
