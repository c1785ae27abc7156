package lanchat.security.noise.netty;

import static lanchat.security.noise.netty.BackToBack.buf;
import static lanchat.security.noise.netty.BackToBack.drainInbound;
import static lanchat.security.noise.netty.BackToBack.drainOutbound;
import static lanchat.security.noise.netty.BackToBack.frameLengths;
import static lanchat.security.noise.netty.BackToBack.pump;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import lanchat.api.Identity;
import lanchat.api.PeerId;
import lanchat.security.noise.CipherState;
import lanchat.security.noise.NoiseException;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;
import lanchat.security.noise.SignedStaticKey;
import org.junit.jupiter.api.Test;

/** Two {@link NoiseHandshakeHandler}s on {@link EmbeddedChannel}s wired back to back. */
class NoiseHandshakeHandlerTest {
    private static final List<String> NO_MUXERS = List.of();
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

    private EmbeddedChannel initiator(Identity expected, List<String> muxers) {
        PeerId peer = expected == null ? null : expected.peerId();
        return new EmbeddedChannel(new NoiseHandshakeHandler(NoiseHandshake.of(true, SignedStaticKey.generate(alice), peer, muxers)), initiatorEvents);
    }

    private EmbeddedChannel initiator(Identity expected) {
        return initiator(expected, NO_MUXERS);
    }

    private EmbeddedChannel responder(List<String> muxers) {
        return new EmbeddedChannel(new NoiseHandshakeHandler(NoiseHandshake.of(false, SignedStaticKey.generate(bob), null, muxers)), responderEvents);
    }

    private EmbeddedChannel responder() {
        return responder(NO_MUXERS);
    }

    private static void finish(EmbeddedChannel... channels) {
        for (EmbeddedChannel ch : channels) ch.finishAndReleaseAll();
    }

    private EmbeddedChannel[] handshake() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        pump(i, r);
        assertEquals(1, initiatorEvents.results.size(), "initiator done");
        assertEquals(1, responderEvents.results.size(), "responder done");
        return new EmbeddedChannel[] {i, r};
    }

    /** A frame header announcing {@code length} bytes, and nothing of the body. */
    private static ByteBuf header(int length) {
        return io.netty.buffer.Unpooled.buffer(2).writeShort(length);
    }

    @Test
    void anUnauthenticatedPeerCannotMakeUsHoldMoreThanAHandshakeMessageMayBe() {
        // message 1 is 32 bytes in libp2p: a responder refuses a longer one from its length alone
        EmbeddedChannel r = responder();
        r.writeInbound(header(33));
        assertEquals(1, responderEvents.errors.size());
        assertInstanceOf(io.netty.handler.codec.TooLongFrameException.class, rootOf(responderEvents.errors.get(0)));
        assertTrue(responderEvents.results.isEmpty());
        finish(r);
        // message 2 may be a few KiB: an initiator refuses a 64 KiB one before its body arrives
        EmbeddedChannel i = initiator(bob);
        drainOutbound(i); // our message 1
        i.writeInbound(header(NoiseHandshake.MAX_MESSAGE));
        assertEquals(1, initiatorEvents.errors.size());
        assertInstanceOf(io.netty.handler.codec.TooLongFrameException.class, rootOf(initiatorEvents.errors.get(0)));
        finish(i);
    }

    @Test
    void onceSecureTheFramesMayBeAsLargeAsNoiseAllows() {
        EmbeddedChannel[] c = handshake();
        byte[] big = new byte[CipherState.MAX_PLAINTEXT];
        new java.util.Random(7).nextBytes(big);
        c[0].writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(big));
        pump(c[0], c[1]);
        assertArrayEquals(big, drainInbound(c[1]));
        assertTrue(responderEvents.errors.isEmpty(), String.valueOf(responderEvents.errors));
        finish(c);
    }

    private static Throwable rootOf(Throwable t) {
        while (t.getCause() != null && t instanceof io.netty.handler.codec.DecoderException) t = t.getCause();
        return t;
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
            assertNull(ch.pipeline().get(NoiseHandshakeHandler.class), "the handshake handler left");
            assertInstanceOf(NoiseCipherCodec.class, ch.pipeline().get(NoiseHandshakeHandler.CIPHER));
            assertEquals(List.of(NoiseHandshakeHandler.FRAME_DECODER, NoiseHandshakeHandler.FRAME_ENCODER, NoiseHandshakeHandler.CIPHER),
                    ch.pipeline().names().subList(0, 3), "the frame codecs stay beneath the cipher");
            assertTrue(ch.isOpen());
        }
        assertTrue(initiatorEvents.errors.isEmpty() && responderEvents.errors.isEmpty());
        finish(c);
    }

    @Test
    void theHandshakeIsThreeMessagesOfTheExpectedShape() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        byte[] m1 = drainOutbound(i);
        assertEquals(List.of(32), frameLengths(m1), "message 1: e only, written once although the channel was active when the handler was added");
        assertEquals(0, drainOutbound(r).length, "the responder waits");
        r.writeInbound(buf(m1));
        byte[] m2 = drainOutbound(r);
        assertEquals(1, frameLengths(m2).size());
        assertTrue(frameLengths(m2).get(0) > 32 + 48, "message 2: e, s and the signed payload");
        i.writeInbound(buf(m2));
        byte[] m3 = drainOutbound(i);
        assertEquals(1, frameLengths(m3).size());
        assertEquals(1, initiatorEvents.results.size(), "the initiator is done once message 3 is written");
        assertEquals(0, responderEvents.results.size());
        r.writeInbound(buf(m3));
        assertEquals(1, responderEvents.results.size());
        finish(i, r);
    }

    @Test
    void streamMuxersOfferedByBothSidesReachEachOther() {
        List<String> offered = List.of("/yamux/1.0.0", "/mplex/6.7.0");
        EmbeddedChannel i = initiator(bob, offered);
        EmbeddedChannel r = responder(List.of("/yamux/1.0.0"));
        pump(i, r);
        assertEquals(List.of("/yamux/1.0.0"), initiatorEvents.results.get(0).remoteMuxers());
        assertEquals(offered, responderEvents.results.get(0).remoteMuxers(), "in the initiator's order of preference");
        finish(i, r);
    }

    @Test
    void withoutMuxersNoExtensionsGoOnTheWire() {
        EmbeddedChannel plain = responder();
        EmbeddedChannel offering = new EmbeddedChannel(new NoiseHandshakeHandler(NoiseHandshake.responder(SignedStaticKey.generate(bob), List.of("/yamux/1.0.0"))));
        EmbeddedChannel i = initiator(bob);
        byte[] m1 = drainOutbound(i);
        plain.writeInbound(buf(m1.clone()));
        offering.writeInbound(buf(m1));
        int withoutExtensions = frameLengths(drainOutbound(plain)).get(0);
        int withExtensions = frameLengths(drainOutbound(offering)).get(0);
        // extensions field: tag, length, then the muxers field: tag, length, 12 bytes of "/yamux/1.0.0"
        assertEquals(withoutExtensions + 2 + 2 + "/yamux/1.0.0".length(), withExtensions);
        finish(i, plain, offering);
    }

    @Test
    void applicationBytesRoundTripBothWays() {
        EmbeddedChannel[] c = handshake();
        ByteBuf hello = buf("hello bob");
        assertTrue(c[0].writeAndFlush(hello).isSuccess());
        assertEquals(0, hello.refCnt(), "plaintext released once encrypted");
        pump(c[0], c[1]);
        assertArrayEquals("hello bob".getBytes(), drainInbound(c[1]));
        c[1].writeAndFlush(buf("hi alice"));
        pump(c[0], c[1]);
        assertArrayEquals("hi alice".getBytes(), drainInbound(c[0]));
        finish(c);
    }

    @Test
    void aLargeWriteIsSplitIntoFramesOfAtMost65535BytesAndReassembledFromAnySegments() {
        EmbeddedChannel[] c = handshake();
        byte[] big = new byte[3 * CipherState.MAX_PLAINTEXT + 1000];
        new Random(1).nextBytes(big);
        c[0].writeAndFlush(Unpooled.wrappedBuffer(big.clone()));
        byte[] wire = drainOutbound(c[0]);
        assertEquals(List.of(65535, 65535, 65535, 1000 + 16), frameLengths(wire));
        ByteBuf all = Unpooled.wrappedBuffer(wire);
        Random sizes = new Random(2);
        while (all.isReadable()) c[1].writeInbound(all.readRetainedSlice(Math.min(all.readableBytes(), 1 + sizes.nextInt(40_000))));
        all.release();
        assertArrayEquals(big, drainInbound(c[1]));
        assertTrue(responderEvents.errors.isEmpty());
        finish(c);
    }

    @Test
    void dataCoalescedWithTheLastHandshakeMessageIsDecrypted() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        r.writeInbound(buf(drainOutbound(i)));
        i.writeInbound(buf(drainOutbound(r)));
        // the initiator is done: its first application bytes go out right behind message 3, in one segment
        i.writeAndFlush(buf("early"));
        ByteBuf segment = buf(drainOutbound(i));
        r.writeInbound(segment);
        assertEquals(1, responderEvents.results.size());
        assertArrayEquals("early".getBytes(), drainInbound(r));
        assertEquals(0, segment.refCnt());
        finish(i, r);
    }

    @Test
    void coalescedSegmentsWorkThroughout() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        pump(i, r, true);
        assertEquals(1, responderEvents.results.size());
        i.writeAndFlush(buf("one"));
        i.writeAndFlush(buf("two"));
        pump(i, r, true);
        assertArrayEquals("onetwo".getBytes(), drainInbound(r));
        finish(i, r);
    }

    @Test
    void anInitiatorWithoutAnExpectedPeerAcceptsWhoeverAnswers() {
        EmbeddedChannel i = initiator(null);
        EmbeddedChannel r = responder();
        pump(i, r);
        assertEquals(bob.peerId(), initiatorEvents.results.get(0).remotePeer());
        finish(i, r);
    }

    @Test
    void aWrongExpectedPeerIdFailsTheInitiatorOnceAndInstallsNoCipher() {
        EmbeddedChannel i = initiator(Identity.generate());
        EmbeddedChannel r = responder();
        pump(i, r);
        assertTrue(initiatorEvents.results.isEmpty());
        assertTrue(responderEvents.results.isEmpty(), "message 3 is never sent");
        assertEquals(1, initiatorEvents.errors.size());
        NoiseException e = assertInstanceOf(NoiseException.class, initiatorEvents.errors.get(0));
        assertTrue(e.getMessage().contains("peer id mismatch"), e.getMessage());
        assertNotNull(i.pipeline().get(NoiseHandshakeHandler.class), "no cipher installed for an unauthenticated peer");
        // whatever the peer sends next is dropped (and released) without a second error
        ByteBuf more = Unpooled.wrappedBuffer(new byte[] {0, 3, 1, 2, 3});
        i.writeInbound(more);
        assertEquals(0, more.refCnt());
        assertEquals(1, initiatorEvents.errors.size());
        assertNull(i.readInbound());
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
        assertEquals(0, drainOutbound(r).length);
        finish(r);
    }

    @Test
    void aForgedMessageThreeFailsTheResponder() {
        EmbeddedChannel i = initiator(bob);
        EmbeddedChannel r = responder();
        r.writeInbound(buf(drainOutbound(i)));
        i.writeInbound(buf(drainOutbound(r)));
        byte[] m3 = drainOutbound(i);
        m3[10] ^= 0x40;
        r.writeInbound(buf(m3));
        assertTrue(responderEvents.results.isEmpty());
        assertInstanceOf(NoiseException.class, responderEvents.errors.get(0));
        finish(i, r);
    }

    @Test
    void aNonByteBufMessagePassesThroughTheHandshakeHandler() {
        EmbeddedChannel r = responder();
        r.pipeline().fireChannelRead("event");
        assertEquals("event", r.readInbound());
        assertTrue(responderEvents.errors.isEmpty());
        finish(r);
    }
}
