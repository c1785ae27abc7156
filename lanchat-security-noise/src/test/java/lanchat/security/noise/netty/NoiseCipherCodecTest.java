package lanchat.security.noise.netty;

import static lanchat.security.noise.netty.BackToBack.buf;
import static lanchat.security.noise.netty.BackToBack.drainInbound;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;
import lanchat.security.noise.CipherState;
import lanchat.security.noise.NoiseException;
import lanchat.security.noise.NoiseResult;
import lanchat.security.noise.TestKeys;
import org.junit.jupiter.api.Test;

/**
 * The cipher codec alone on {@link EmbeddedChannel}s, with the keys of a handshake driven directly: what it sends is
 * read back frame by frame (the frame codecs beneath it are {@link NoiseHandshakeHandlerTest}'s business).
 */
class NoiseCipherCodecTest {
    private final NoiseResult[] keys = TestKeys.pair();
    private final Errors errors = new Errors();
    /** Alice's end, the one written to. */
    private final EmbeddedChannel alice = new EmbeddedChannel(new NoiseCipherCodec(keys[0]));
    /** Bob's end, reading what alice sent; records what fails. */
    private final EmbeddedChannel bob = new EmbeddedChannel(new NoiseCipherCodec(keys[1]), errors);

    static final class Errors extends ChannelInboundHandlerAdapter {
        final List<Throwable> caught = new ArrayList<>();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            caught.add(cause);
        }
    }

    /** The frames alice has sent so far, each a retained buffer the caller passes on or releases. */
    private List<ByteBuf> sentFrames() {
        List<ByteBuf> frames = new ArrayList<>();
        for (ByteBuf f; (f = alice.readOutbound()) != null; ) frames.add(f);
        return frames;
    }

    /** Delivers alice's frames to bob; returns their lengths. */
    private List<Integer> deliver() {
        List<Integer> lengths = new ArrayList<>();
        for (ByteBuf f : sentFrames()) {
            lengths.add(f.readableBytes());
            bob.writeInbound(f);
        }
        return lengths;
    }

    private void finish() {
        alice.finishAndReleaseAll();
        bob.finishAndReleaseAll();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theWritesBetweenTwoFlushesAreSealedAsOneFrame() {
        ChannelFuture first = alice.write(buf("yamux header|"));
        ChannelFuture second = alice.write(buf("its data"));
        assertNull(alice.readOutbound(), "nothing is sealed before the flush");
        assertFalse(first.isDone() || second.isDone());
        alice.flush();
        assertTrue(first.isSuccess() && second.isSuccess());
        assertEquals(List.of("yamux header|its data".length() + 16), deliver());
        assertArrayEquals("yamux header|its data".getBytes(), drainInbound(bob));
        finish();
    }

    @Test
    void aFlushWithNothingWrittenSendsNothing() {
        alice.flush();
        assertNull(alice.readOutbound());
        finish();
    }

    @Test
    void anEmptyWriteProducesNoFrameAndCompletesItsPromise() {
        ByteBuf empty = Unpooled.buffer(0);
        ChannelFuture alone = alice.writeAndFlush(empty);
        assertTrue(alone.isSuccess(), () -> "empty write failed: " + alone.cause());
        assertNull(alice.readOutbound(), "no frame for it");
        assertEquals(0, empty.refCnt());
        // between other writes it changes nothing, and both ends stay in step
        alice.write(buf("before|"));
        ChannelFuture among = alice.write(Unpooled.EMPTY_BUFFER);
        alice.writeAndFlush(buf("after"));
        assertTrue(among.isSuccess());
        assertEquals(List.of("before|after".length() + 16), deliver());
        assertArrayEquals("before|after".getBytes(), drainInbound(bob));
        assertTrue(errors.caught.isEmpty());
        finish();
    }

    @Test
    void writesLargerThanAFrameAreCutAtTheNoiseLimit() {
        byte[] big = random(2 * CipherState.MAX_PLAINTEXT + 100, 1);
        ChannelFuture done = alice.write(Unpooled.wrappedBuffer(big.clone(), 0, 70_000));
        ChannelFuture tail = alice.writeAndFlush(Unpooled.wrappedBuffer(big.clone(), 70_000, big.length - 70_000));
        assertTrue(done.isSuccess() && tail.isSuccess());
        assertEquals(List.of(65535, 65535, 100 + 16), deliver(), "65519 plaintext bytes + 16 per full frame");
        assertArrayEquals(big, drainInbound(bob));
        finish();
    }

    @Test
    void compositeAndDirectBuffersAreSealedWithoutLeaking() {
        byte[] data = random(100_000, 4);
        ByteBuf direct = Unpooled.directBuffer(60_000).writeBytes(data, 0, 60_000);
        ByteBuf heap = Unpooled.copiedBuffer(data, 60_000, 40_000);
        alice.writeAndFlush(Unpooled.wrappedBuffer(direct, heap));
        assertEquals(0, direct.refCnt());
        assertEquals(0, heap.refCnt());
        deliver();
        assertArrayEquals(data, drainInbound(bob));
        finish();
    }

    @Test
    void aWritersCompositeIsNeitherGrownNorCopiedWhenLaterWritesShareItsFrame() {
        // sized for its own two parts, as the netty transport's Data frames (a header, a chunk) are
        CompositeByteBuf dataFrame = Unpooled.compositeBuffer(2).addComponents(true, buf("header|"), buf("chunk|"));
        dataFrame.retain(); // one share kept to look at once the codec has let go of its own
        alice.write(dataFrame);
        alice.write(buf("next header|"));
        alice.writeAndFlush(buf("next chunk"));
        assertEquals(1, dataFrame.refCnt());
        assertEquals(2, dataFrame.numComponents(), "not consolidated: nothing was added to it");
        assertEquals("header|chunk|", dataFrame.toString(StandardCharsets.US_ASCII));
        dataFrame.release();
        assertEquals(List.of("header|chunk|next header|next chunk".length() + 16), deliver(), "still one frame");
        assertArrayEquals("header|chunk|next header|next chunk".getBytes(), drainInbound(bob));
        finish();
    }

    @Test
    void aFailedSocketWriteFailsThePromisesOfTheWritesInThatFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
                promise.setFailure(new IOException("connection reset"));
            }
        }, new NoiseCipherCodec(keys[0]));
        ChannelFuture a = ch.write(buf("a"));
        ChannelFuture b = ch.writeAndFlush(buf("b"));
        assertEquals("connection reset", a.cause().getMessage());
        assertEquals("connection reset", b.cause().getMessage());
        ch.finishAndReleaseAll();
        finish();
    }

    @Test
    void writesNeverFlushedAreReleasedAndFailedWhenTheChannelCloses() {
        ByteBuf pending = buf("never flushed");
        ChannelFuture write = alice.write(pending);
        alice.close();
        assertInstanceOf(ClosedChannelException.class, write.cause());
        assertEquals(0, pending.refCnt());
        finish();
    }

    @Test
    void bytesWaitingForAFlushCountTowardTheWaterMarks() {
        alice.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        alice.write(buf("more than sixteen bytes"));
        alice.runPendingTasks();
        assertFalse(alice.isWritable(), "a sender that never flushes is told to stop");
        alice.flush();
        alice.runPendingTasks();
        assertTrue(alice.isWritable(), "the sealed frame left for the socket");
        sentFrames().forEach(ByteBuf::release);
        finish();
    }

    @Test
    void anythingButAByteBufIsRefusedSoNothingPassesUnencrypted() {
        ByteBuf inside = buf("secret");
        ChannelFuture f = alice.writeAndFlush(new DefaultByteBufHolder(inside));
        assertInstanceOf(UnsupportedMessageTypeException.class, f.cause());
        assertEquals(0, inside.refCnt(), "the refused message is released");
        assertNull(alice.readOutbound());
        finish();
    }

    @Test
    void aSealingFailureFailsEveryPendingWriteAndIsReported() {
        Errors aliceErrors = new Errors();
        alice.pipeline().addLast(aliceErrors);
        alice.writeAndFlush(buf("fine"));
        TestKeys.exhaust(keys[0].sender());
        ByteBuf a = buf("a"), b = Unpooled.wrappedBuffer(random(CipherState.MAX_PLAINTEXT + 1, 5));
        ChannelFuture fa = alice.write(a);
        ChannelFuture fb = alice.writeAndFlush(b);
        EncoderException e = assertInstanceOf(EncoderException.class, fa.cause());
        assertSame(e, fb.cause(), "the rest of the flush fails with it");
        assertInstanceOf(NoiseException.class, e.getCause());
        assertEquals(List.of(e), aliceErrors.caught);
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
        assertEquals(List.of(4 + 16), deliver(), "what was sealed before still goes out");
        finish();
    }

    @Test
    void aTagOnlyFrameIsAnEmptyMessage() throws Exception {
        bob.writeInbound(Unpooled.wrappedBuffer(keys[0].sender().encrypt(new byte[0])));
        ByteBuf plain = bob.readInbound();
        assertEquals(0, plain.readableBytes());
        plain.release();
        bob.writeInbound(Unpooled.wrappedBuffer(keys[0].sender().encrypt("next".getBytes())));
        assertArrayEquals("next".getBytes(), drainInbound(bob), "the counter moved on");
        finish();
    }

    @Test
    void aFlippedCiphertextByteFailsDecryptionAndPassesNothingOn() {
        alice.writeAndFlush(buf("attack at dawn"));
        ByteBuf frame = alice.readOutbound();
        frame.setByte(3, frame.getByte(3) ^ 1);
        bob.writeInbound(frame);
        assertEquals(0, frame.refCnt());
        assertNull(bob.readInbound());
        DecoderException e = assertInstanceOf(DecoderException.class, errors.caught.get(0));
        assertInstanceOf(NoiseException.class, e.getCause());
        finish();
    }

    @Test
    void aFlippedTagByteFailsToo() {
        alice.writeAndFlush(buf("x"));
        ByteBuf frame = alice.readOutbound();
        frame.setByte(frame.writerIndex() - 1, frame.getByte(frame.writerIndex() - 1) ^ 0x80);
        bob.writeInbound(frame);
        assertInstanceOf(NoiseException.class, errors.caught.get(0).getCause());
        finish();
    }

    @Test
    void aReplayedFrameFails() {
        alice.writeAndFlush(buf("once"));
        ByteBuf frame = alice.readOutbound();
        bob.writeInbound(frame.retainedDuplicate());
        assertArrayEquals("once".getBytes(), drainInbound(bob));
        bob.writeInbound(frame);
        assertInstanceOf(NoiseException.class, errors.caught.get(0).getCause(), "the nonce moved on");
        finish();
    }

    @Test
    void aFrameShorterThanTheTagIsRejected() {
        ByteBuf shortFrame = Unpooled.wrappedBuffer(new byte[15]);
        bob.writeInbound(shortFrame);
        assertEquals(0, shortFrame.refCnt());
        assertInstanceOf(CorruptedFrameException.class, errors.caught.get(0));
        ByteBuf empty = Unpooled.buffer(0);
        bob.writeInbound(empty);
        assertEquals(0, empty.refCnt());
        assertEquals(2, errors.caught.size());
        assertNull(bob.readInbound());
        finish();
    }

    @Test
    void otherInboundMessagesPassThrough() {
        bob.pipeline().fireChannelRead("event");
        assertEquals("event", bob.readInbound());
        assertTrue(errors.caught.isEmpty());
        finish();
    }
}
