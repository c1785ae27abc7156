package lanchat.transport.libp2p.noise;

import lanchat.api.internal.noise.SignedStaticKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import lanchat.api.Identity;
import lanchat.api.internal.noise.CipherState;
import lanchat.api.internal.noise.NoiseException;
import lanchat.api.internal.noise.NoiseHandshake;
import lanchat.api.internal.noise.NoiseResult;
import lanchat.transport.libp2p.Wire;
import org.junit.jupiter.api.Test;

/** Two {@link NoiseSecureHandler}s on {@link EmbeddedChannel}s wired back to back. */
class NoiseSecureHandlerTest {
    private final Identity alice = Identity.generate();
    private final Identity bob = Identity.generate();

    /** Sits after the noise handler: records events and exceptions, passes data on to the inbound queue. */
    static final class Events extends ChannelInboundHandlerAdapter {
        final List<NoiseResult> results = new ArrayList<>();
        final List<Throwable> errors = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof NoiseResult r) results.add(r);
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }
    }

    private final Events initiatorEvents = new Events();
    private final Events responderEvents = new Events();

    private EmbeddedChannel initiator(Identity expected) {
        return new EmbeddedChannel(new NoiseSecureHandler(SignedStaticKey.generate(alice), true, expected == null ? null : expected.peerId()), initiatorEvents);
    }

    private EmbeddedChannel responder() {
        return new EmbeddedChannel(new NoiseSecureHandler(SignedStaticKey.generate(bob), false, null), responderEvents);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void finish(EmbeddedChannel... channels) {
        for (EmbeddedChannel ch : channels) ch.finishAndReleaseAll();
    }

    /** Splits 2-byte-length-prefixed wire bytes into frame lengths. */
    private static List<Integer> frameLengths(byte[] wire) {
        List<Integer> lengths = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(wire);
        while (b.hasRemaining()) {
            int n = b.getShort() & 0xFFFF;
            lengths.add(n);
            b.position(b.position() + n);
        }
        return lengths;
    }

    private EmbeddedChannel[] handshake() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        Wire.pump(i, r);
        assertEquals(1, initiatorEvents.results.size(), "initiator done");
        assertEquals(1, responderEvents.results.size(), "responder done");
        return new EmbeddedChannel[] {i, r};
    }

    @Test
    void theHandshakeCompletesAndAuthenticatesBothSides() {
        EmbeddedChannel[] c = handshake();
        NoiseResult atInitiator = initiatorEvents.results.get(0);
        NoiseResult atResponder = responderEvents.results.get(0);
        assertEquals(bob.peerId(), atInitiator.remotePeer());
        assertEquals(alice.peerId(), atResponder.remotePeer());
        assertEquals(bob.publicKey(), atInitiator.remoteKey());
        assertArrayEquals(atInitiator.handshakeHash(), atResponder.handshakeHash());
        assertEquals(32, atInitiator.handshakeHash().length);
        for (EmbeddedChannel ch : c) {
            assertNull(ch.pipeline().get(NoiseSecureHandler.class), "the handshake handler left");
            assertInstanceOf(NoiseCipherCodec.class, ch.pipeline().get("noise-cipher"));
            assertNotNull(ch.pipeline().get("noise-frame-decoder"));
            assertNotNull(ch.pipeline().get("noise-frame-encoder"));
            assertTrue(ch.isOpen());
        }
        assertTrue(initiatorEvents.errors.isEmpty() && responderEvents.errors.isEmpty());
        finish(c);
    }

    @Test
    void theHandshakeIsThreeMessagesOfTheExpectedShape() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        byte[] m1 = Wire.drainOutbound(i);
        assertEquals(List.of(32), frameLengths(m1), "message 1: e only");
        assertEquals(0, Wire.drainOutbound(r).length, "the responder waits");
        r.writeInbound(Wire.buf(m1));
        byte[] m2 = Wire.drainOutbound(r);
        assertEquals(1, frameLengths(m2).size());
        assertTrue(frameLengths(m2).get(0) > 32 + 48, "message 2: e, s and the signed payload");
        i.writeInbound(Wire.buf(m2));
        byte[] m3 = Wire.drainOutbound(i);
        assertEquals(1, frameLengths(m3).size());
        assertEquals(1, initiatorEvents.results.size(), "the initiator is done once message 3 is written");
        r.writeInbound(Wire.buf(m3));
        assertEquals(1, responderEvents.results.size());
        finish(i, r);
    }

    @Test
    void applicationBytesRoundTripBothWays() {
        EmbeddedChannel[] c = handshake();
        ByteBuf hello = Wire.buf("hello bob");
        assertTrue(c[0].writeAndFlush(hello).isSuccess());
        assertEquals(0, hello.refCnt(), "plaintext released once encrypted");
        Wire.pump(c[0], c[1]);
        assertArrayEquals("hello bob".getBytes(), Wire.drainInbound(c[1]));
        c[1].writeAndFlush(Wire.buf("hi alice"));
        Wire.pump(c[0], c[1]);
        assertArrayEquals("hi alice".getBytes(), Wire.drainInbound(c[0]));
        finish(c);
    }

    @Test
    void aLargeWriteIsSplitIntoFramesOfAtMost65535Bytes() {
        EmbeddedChannel[] c = handshake();
        byte[] big = random(3 * CipherState.MAX_PLAINTEXT + 1000, 1);
        c[0].writeAndFlush(Unpooled.wrappedBuffer(big.clone()));
        byte[] wire = Wire.drainOutbound(c[0]);
        List<Integer> lengths = frameLengths(wire);
        assertEquals(List.of(65535, 65535, 65535, 1000 + 16), lengths);
        // delivered in odd-sized pieces, as TCP would
        ByteBuf all = Unpooled.wrappedBuffer(wire);
        Random rnd = new Random(2);
        while (all.isReadable()) c[1].writeInbound(all.readRetainedSlice(Math.min(all.readableBytes(), 1 + rnd.nextInt(40_000))));
        all.release();
        assertArrayEquals(big, Wire.drainInbound(c[1]));
        // and the other way, exactly one maximal plaintext: one frame
        byte[] max = random(CipherState.MAX_PLAINTEXT, 3);
        c[1].writeAndFlush(Unpooled.wrappedBuffer(max.clone()));
        byte[] back = Wire.drainOutbound(c[1]);
        assertEquals(List.of(65535), frameLengths(back));
        c[0].writeInbound(Wire.buf(back));
        assertArrayEquals(max, Wire.drainInbound(c[0]));
        assertTrue(initiatorEvents.errors.isEmpty() && responderEvents.errors.isEmpty());
        finish(c);
    }

    @Test
    void dataCoalescedWithTheLastHandshakeMessageIsDecrypted() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        r.writeInbound(Wire.buf(Wire.drainOutbound(i)));
        i.writeInbound(Wire.buf(Wire.drainOutbound(r)));
        // the initiator is done: its first application bytes go out right behind message 3, in one segment
        i.writeAndFlush(Wire.buf("early"));
        ByteBuf segment = Wire.buf(Wire.drainOutbound(i));
        r.writeInbound(segment);
        assertEquals(1, responderEvents.results.size());
        assertArrayEquals("early".getBytes(), Wire.drainInbound(r));
        assertEquals(0, segment.refCnt());
        finish(i, r);
    }

    @Test
    void coalescedPumpingWorksToo() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        Wire.pump(i, r, true);
        assertEquals(1, responderEvents.results.size());
        i.writeAndFlush(Wire.buf("one"));
        i.writeAndFlush(Wire.buf("two"));
        Wire.pump(i, r, true);
        assertArrayEquals("onetwo".getBytes(), Wire.drainInbound(r));
        finish(i, r);
    }

    @Test
    void anInitiatorWithoutAnExpectedPeerAcceptsWhoeverAnswers() {
        EmbeddedChannel i = initiator(null);
        EmbeddedChannel r = responder();
        Wire.pump(i, r);
        assertEquals(bob.peerId(), initiatorEvents.results.get(0).remotePeer());
        finish(i, r);
    }

    @Test
    void aWrongExpectedPeerIdFailsTheInitiator() {
        Identity carol = Identity.generate();
        EmbeddedChannel i = initiator(carol);
        EmbeddedChannel r = responder();
        Wire.pump(i, r);
        assertTrue(initiatorEvents.results.isEmpty());
        assertTrue(responderEvents.results.isEmpty(), "message 3 is never sent");
        assertEquals(1, initiatorEvents.errors.size());
        NoiseException e = assertInstanceOf(NoiseException.class, initiatorEvents.errors.get(0));
        assertTrue(e.getMessage().contains("peer id mismatch"), e.getMessage());
        assertNotNull(i.pipeline().get(NoiseSecureHandler.class), "no cipher installed for an unauthenticated peer");
        finish(i, r);
    }

    @Test
    void aMalformedHandshakeMessageFailsTheResponder() {
        EmbeddedChannel r = responder();
        ByteBuf bad = Unpooled.wrappedBuffer(new byte[] {0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        r.writeInbound(bad);
        assertEquals(0, bad.refCnt());
        assertEquals(1, responderEvents.errors.size());
        assertInstanceOf(NoiseException.class, responderEvents.errors.get(0));
        assertEquals(0, Wire.drainOutbound(r).length);
        finish(r);
    }

    @Test
    void aForgedMessageThreeFailsTheResponder() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        r.writeInbound(Wire.buf(Wire.drainOutbound(i)));
        i.writeInbound(Wire.buf(Wire.drainOutbound(r)));
        byte[] m3 = Wire.drainOutbound(i);
        m3[10] ^= 0x40;
        r.writeInbound(Wire.buf(m3));
        assertTrue(responderEvents.results.isEmpty());
        assertInstanceOf(NoiseException.class, responderEvents.errors.get(0));
        finish(i, r);
    }

    @Test
    void aFlippedByteInATransportFrameFailsDecryptionWithoutLeaking() {
        EmbeddedChannel[] c = handshake();
        c[0].writeAndFlush(Wire.buf("attack at dawn"));
        byte[] wire = Wire.drainOutbound(c[0]);
        wire[2 + 3] ^= 1; // a ciphertext byte, after the 2-byte length
        ByteBuf tampered = Wire.buf(wire);
        c[1].writeInbound(tampered);
        assertEquals(0, tampered.refCnt());
        assertNull(c[1].readInbound(), "nothing decrypted is passed on");
        assertEquals(1, responderEvents.errors.size());
        DecoderException e = assertInstanceOf(DecoderException.class, responderEvents.errors.get(0));
        assertInstanceOf(NoiseException.class, e.getCause());
        finish(c);
    }

    @Test
    void aFlippedTagByteFailsToo() {
        EmbeddedChannel[] c = handshake();
        c[0].writeAndFlush(Wire.buf("x"));
        byte[] wire = Wire.drainOutbound(c[0]);
        wire[wire.length - 1] ^= (byte) 0x80;
        c[1].writeInbound(Wire.buf(wire));
        assertInstanceOf(NoiseException.class, responderEvents.errors.get(0).getCause());
        finish(c);
    }

    @Test
    void aReplayedFrameFails() {
        EmbeddedChannel[] c = handshake();
        c[0].writeAndFlush(Wire.buf("once"));
        byte[] wire = Wire.drainOutbound(c[0]);
        c[1].writeInbound(Wire.buf(wire));
        assertArrayEquals("once".getBytes(), Wire.drainInbound(c[1]));
        c[1].writeInbound(Wire.buf(wire));
        assertInstanceOf(NoiseException.class, responderEvents.errors.get(0).getCause(), "the nonce moved on");
        finish(c);
    }

    @Test
    void aFrameShorterThanTheTagIsRejected() {
        EmbeddedChannel[] c = handshake();
        ByteBuf shortFrame = Unpooled.wrappedBuffer(new byte[] {0, 15}, new byte[15]);
        c[1].writeInbound(shortFrame);
        assertEquals(0, shortFrame.refCnt());
        DecoderException e = assertInstanceOf(DecoderException.class, responderEvents.errors.get(0));
        assertInstanceOf(CorruptedFrameException.class, e);
        ByteBuf empty = Unpooled.wrappedBuffer(new byte[] {0, 0});
        c[1].writeInbound(empty);
        assertEquals(0, empty.refCnt());
        assertEquals(2, responderEvents.errors.size());
        assertNull(c[1].readInbound());
        finish(c);
    }

    @Test
    void aTagOnlyFrameCarriesAnEmptyMessage() throws Exception {
        // a 16-byte frame is a valid, empty Noise transport message
        NoiseResult[] keys = keys();
        EmbeddedChannel r = new EmbeddedChannel(new NoiseCipherCodec(keys[1].sender(), keys[1].receiver()));
        ByteBuf frame = Unpooled.wrappedBuffer(keys[0].sender().encrypt(new byte[0]));
        r.writeInbound(frame);
        ByteBuf plain = r.readInbound();
        assertEquals(0, plain.readableBytes());
        plain.release();
        // the counter moved on: the next message decrypts
        r.writeInbound(Unpooled.wrappedBuffer(keys[0].sender().encrypt("next".getBytes())));
        assertArrayEquals("next".getBytes(), Wire.drainInbound(r));
        finish(r);
    }

    @Test
    void anEmptyWriteDoesNotFailAndKeepsBothSidesInStep() {
        EmbeddedChannel[] c = handshake();
        ChannelFuture empty = c[0].writeAndFlush(Unpooled.EMPTY_BUFFER);
        assertTrue(empty.isSuccess(), () -> "empty write failed: " + empty.cause());
        c[0].writeAndFlush(Wire.buf("after"));
        Wire.pump(c[0], c[1]);
        assertArrayEquals("after".getBytes(), Wire.drainInbound(c[1]));
        assertTrue(responderEvents.errors.isEmpty(), () -> responderEvents.errors.toString());
        finish(c);
    }

    @Test
    void theCodecEncryptsCompositeAndDirectBuffers() {
        NoiseResult[] keys = keys();
        EmbeddedChannel a = new EmbeddedChannel(new NoiseCipherCodec(keys[0].sender(), keys[0].receiver()));
        EmbeddedChannel b = new EmbeddedChannel(new NoiseCipherCodec(keys[1].sender(), keys[1].receiver()));
        byte[] data = random(100_000, 4);
        ByteBuf direct = Unpooled.directBuffer(60_000).writeBytes(data, 0, 60_000);
        ByteBuf heap = Unpooled.copiedBuffer(data, 60_000, 40_000);
        a.writeOutbound(Unpooled.wrappedBuffer(direct, heap));
        assertEquals(0, direct.refCnt());
        assertEquals(0, heap.refCnt());
        for (Object frame; (frame = a.readOutbound()) != null; ) b.writeInbound(frame);
        assertArrayEquals(data, Wire.drainInbound(b));
        finish(a, b);
    }

    /** Keys of a completed handshake, driven directly: [initiator's, responder's]. */
    private NoiseResult[] keys() {
        try {
            NoiseHandshake i = NoiseHandshake.initiator(alice, bob.peerId(), List.of());
            NoiseHandshake r = NoiseHandshake.responder(bob, List.of());
            r.readMessage(i.writeMessage());
            i.readMessage(r.writeMessage());
            r.readMessage(i.writeMessage());
            return new NoiseResult[] {i.result(), r.result()};
        } catch (NoiseException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aNonByteBufMessagePassesThroughTheHandshakeHandler() {
        EmbeddedChannel r = responder();
        r.pipeline().fireChannelRead("event");
        assertEquals("event", r.readInbound());
        assertFalse(responderEvents.errors.size() > 0);
        finish(r);
    }
}
