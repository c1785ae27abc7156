package lanchat.transport.libp2p.multistream;

import static lanchat.api.internal.Bytes.concat;
import static lanchat.transport.libp2p.Wire.buf;
import static lanchat.transport.libp2p.Wire.hex;
import static lanchat.transport.libp2p.Wire.msg;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import lanchat.transport.libp2p.Wire;
import org.junit.jupiter.api.Test;

class MultistreamSelectHandlerTest {
    private static final String MS = MultistreamSelectHandler.PROTOCOL_ID;

    /** Records user events; data passes on to the channel's inbound queue. */
    static final class Events extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
            ctx.fireUserEventTriggered(evt);
        }
    }

    private static MultistreamSelectHandler responder(String... protocols) {
        return MultistreamSelectHandler.responder(Set.of(protocols));
    }

    // ---- byte-exact transcripts ----

    @Test
    void naIsEncodedAsInTheSpec() {
        assertArrayEquals(hex("036e610a"), msg("na"));
        assertArrayEquals(hex("036c730a"), msg("ls"));
    }

    @Test
    void responderTranscriptRefusesTlsAndSelectsNoise() {
        Events events = new Events();
        MultistreamSelectHandler handler = responder("/noise", "/yamux/1.0.0");
        EmbeddedChannel ch = new EmbeddedChannel(handler, events);
        assertEquals(0, Wire.drainOutbound(ch).length, "a responder speaks only when spoken to");

        // go's dialer: header and first proposal in one segment
        ch.writeInbound(buf(concat(msg(MS), msg("/tls/1.0.0"))));
        assertArrayEquals(concat(msg(MS), msg("na")), Wire.drainOutbound(ch));
        assertFalse(handler.selection().isDone());

        ch.writeInbound(buf(msg("/noise")));
        assertArrayEquals(msg("/noise"), Wire.drainOutbound(ch));
        assertEquals(List.of(new ProtocolSelected("/noise")), events.events);
        assertEquals("/noise", handler.selection().getNow());
        assertNull(ch.pipeline().get(MultistreamSelectHandler.class), "handler removed itself");
        assertEquals(1, ch.pipeline().names().size() - 1, "only the event recorder is left (plus the tail)");
        assertTrue(ch.isOpen());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void initiatorTranscriptFallsBackAfterNa() {
        Events events = new Events();
        MultistreamSelectHandler handler = MultistreamSelectHandler.initiator(List.of("/tls/1.0.0", "/noise"));
        EmbeddedChannel ch = new EmbeddedChannel(handler, events);
        // optimistic: header and first proposal together as soon as the channel is active
        assertArrayEquals(concat(msg(MS), msg("/tls/1.0.0")), Wire.drainOutbound(ch));

        ch.writeInbound(buf(concat(msg(MS), msg("na"))));
        assertArrayEquals(msg("/noise"), Wire.drainOutbound(ch));

        ch.writeInbound(buf(msg("/noise")));
        assertEquals(0, Wire.drainOutbound(ch).length);
        assertEquals(List.of(new ProtocolSelected("/noise")), events.events);
        assertEquals("/noise", handler.selection().getNow());
        assertNull(ch.pipeline().get(MultistreamSelectHandler.class));
        assertFalse(ch.finish());
    }

    @Test
    void initiatorToleratesHeaderArrivingSeparately() {
        MultistreamSelectHandler handler = MultistreamSelectHandler.initiator(List.of("/yamux/1.0.0"));
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        Wire.drainOutbound(ch);
        ch.writeInbound(buf(msg(MS)));
        assertFalse(handler.selection().isDone());
        ch.writeInbound(buf(msg("/yamux/1.0.0")));
        assertEquals("/yamux/1.0.0", handler.selection().getNow());
        assertFalse(ch.finish());
    }

    @Test
    void handlerAddedToAnActiveChannelStartsAtOnce() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(MultistreamSelectHandler.initiator(List.of("/chat/1.1.0")));
        assertArrayEquals(concat(msg(MS), msg("/chat/1.1.0")), Wire.drainOutbound(ch));
        assertFalse(ch.finish());
    }

    @Test
    void initiatorAndResponderBackToBack() {
        MultistreamSelectHandler init = MultistreamSelectHandler.initiator(List.of("/a", "/b", "/c"));
        MultistreamSelectHandler resp = responder("/c", "/d");
        EmbeddedChannel a = new EmbeddedChannel(init);
        EmbeddedChannel b = new EmbeddedChannel(resp);
        Wire.pump(a, b);
        assertEquals("/c", init.selection().getNow());
        assertEquals("/c", resp.selection().getNow());
        assertEquals(1, a.pipeline().names().size(), "only the tail is left");
        assertEquals(1, b.pipeline().names().size());
        assertFalse(a.finish());
        assertFalse(b.finish());
    }

    // ---- data after the selection ----

    @Test
    void responderForwardsPipelinedDataInOrder() {
        MultistreamSelectHandler handler = responder("/chat/1.1.0");
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        byte[] app = "first line\nsecond".getBytes(StandardCharsets.UTF_8);
        // the lazy form: header, proposal and application data before any answer
        ch.writeInbound(buf(concat(msg(MS), msg("/chat/1.1.0"), app)));
        assertArrayEquals(concat(msg(MS), msg("/chat/1.1.0")), Wire.drainOutbound(ch));
        assertArrayEquals(app, Wire.drainInbound(ch));
        ch.writeInbound(buf("more"));
        assertArrayEquals("more".getBytes(), Wire.drainInbound(ch));
        assertFalse(ch.finish());
    }

    @Test
    void initiatorForwardsDataThatFollowsTheEcho() {
        MultistreamSelectHandler handler = MultistreamSelectHandler.initiator(List.of("/ipfs/id/1.0.0"));
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        Wire.drainOutbound(ch);
        byte[] payload = {1, 2, 3, 4};
        ch.writeInbound(buf(concat(msg(MS), msg("/ipfs/id/1.0.0"), payload)));
        assertArrayEquals(payload, Wire.drainInbound(ch));
        assertFalse(ch.finish());
    }

    @Test
    void configurePipelineInstallsHandlersThatSeeTheFirstBytes() {
        List<String> seen = new ArrayList<>();
        MultistreamSelectHandler handler = new MultistreamSelectHandler(MultistreamSelectHandler.Role.RESPONDER,
                List.of("/echo/1.0.0"), null, 1024, 16) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                ctx.pipeline().addAfter(ctx.name(), "echo", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext c, Object msg) {
                        seen.add(protocol);
                        c.writeAndFlush(msg);
                    }
                });
            }
        };
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        ch.writeInbound(buf(concat(msg(MS), msg("/echo/1.0.0"), "ping".getBytes())));
        assertArrayEquals(concat(msg(MS), msg("/echo/1.0.0"), "ping".getBytes()), Wire.drainOutbound(ch));
        assertEquals(List.of("/echo/1.0.0"), seen);
        assertEquals(List.of("echo", "DefaultChannelPipeline$TailContext#0"), ch.pipeline().names());
        assertFalse(ch.finish());
    }

    @Test
    void responderAcceptsByPredicateAndAnswersLs() {
        MultistreamSelectHandler handler = MultistreamSelectHandler.responder(
                p -> p.startsWith("/chat/"), List.of("/chat/1.1.0", "/ipfs/ping/1.0.0"), 1024, 16);
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        ch.writeInbound(buf(concat(msg(MS), msg("ls"))));
        byte[] inner = concat(msg("/chat/1.1.0"), msg("/ipfs/ping/1.0.0"));
        byte[] listing = concat(new byte[] {(byte) (inner.length + 1)}, inner, new byte[] {'\n'});
        assertArrayEquals(concat(msg(MS), listing), Wire.drainOutbound(ch));
        ch.writeInbound(buf(msg("/chat/2.0.0")));
        assertEquals("/chat/2.0.0", handler.selection().getNow());
        assertArrayEquals(msg("/chat/2.0.0"), Wire.drainOutbound(ch));
        assertFalse(ch.finish());
    }

    // ---- failures: the channel closes, nothing is thrown ----

    @Test
    void initiatorFailsClearlyWhenEverythingIsRefused() {
        Events events = new Events();
        MultistreamSelectHandler handler = MultistreamSelectHandler.initiator(List.of("/tls/1.0.0", "/noise"));
        EmbeddedChannel ch = new EmbeddedChannel(handler, events);
        Wire.drainOutbound(ch);
        ch.writeInbound(buf(concat(msg(MS), msg("na"))));
        Wire.drainOutbound(ch);
        ch.writeInbound(buf(msg("na")));
        assertFalse(ch.isOpen());
        Throwable cause = handler.selection().cause();
        assertInstanceOf(MultistreamProtocolException.class, cause);
        assertTrue(cause.getMessage().contains("refused every protocol"), cause.getMessage());
        assertTrue(cause.getMessage().contains("/noise"), cause.getMessage());
        assertInstanceOf(ProtocolSelectionFailed.class, events.events.get(0));
        assertFalse(ch.finish());
    }

    private static MultistreamProtocolException failResponder(byte[] input) {
        MultistreamSelectHandler handler = responder("/noise");
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        ch.writeInbound(buf(input)); // must not throw
        assertFalse(ch.isOpen(), "channel closed");
        Wire.drainOutbound(ch);
        assertNull(ch.readInbound());
        ch.finish();
        return (MultistreamProtocolException) handler.selection().cause();
    }

    @Test
    void garbageClosesTheChannel() {
        assertTrue(failResponder(msg("/multistream/2.0.0")).getMessage().contains("expected /multistream/1.0.0"));
        assertTrue(failResponder(msg("/noise")).getMessage().contains("expected /multistream/1.0.0"));
        assertTrue(failResponder(concat(msg(MS), msg("noise"))).getMessage().contains("must start with '/'"));
        assertTrue(failResponder(concat(msg(MS), msg(""))).getMessage().contains("must start with '/'"));
        assertTrue(failResponder(hex("03 2f 61 62")).getMessage().contains("newline"));
        assertTrue(failResponder(hex("04 2f 0a 61 0a")).getMessage().contains("newline"));
        assertTrue(failResponder(hex("00")).getMessage().contains("message length 0"));
        assertTrue(failResponder(hex("8500")).getMessage().contains("bad length prefix"));
        assertTrue(failResponder(hex("ffffffffffffffffff")).getMessage().contains("bad length prefix"));
        assertTrue(failResponder(hex("04 2f c3 28 0a")).getMessage().contains("UTF-8"));
        // peer text is escaped before it reaches a log line
        String escaped = failResponder(concat(msg(MS), msg("\u001b[2J\r"))).getMessage();
        assertTrue(escaped.contains("\\u001b[2J\\u000d"), escaped);
        // the length alone is enough to refuse: nothing is buffered
        assertTrue(failResponder(hex("8180 04")).getMessage().contains("maxMessageLength"));
    }

    @Test
    void oversizeMessageIsRefusedAtItsPrefix() {
        MultistreamSelectHandler handler = MultistreamSelectHandler.responder(p -> true, List.of(), 64, 16);
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        ch.writeInbound(buf(concat(msg(MS), new byte[] {65})));
        assertFalse(ch.isOpen());
        assertTrue(handler.selection().cause().getMessage().contains("maxMessageLength 64"));
        ch.finish();
        Wire.drainOutbound(ch);
    }

    @Test
    void tooManyProposalsCloseTheChannel() {
        MultistreamSelectHandler handler = MultistreamSelectHandler.responder(p -> false, List.of(), 1024, 3);
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        ch.writeInbound(buf(concat(msg(MS), msg("/a"), msg("/b"), msg("/c"))));
        assertTrue(ch.isOpen());
        assertArrayEquals(concat(msg(MS), msg("na"), msg("na"), msg("na")), Wire.drainOutbound(ch));
        ch.writeInbound(buf(msg("/d")));
        assertFalse(ch.isOpen());
        assertTrue(handler.selection().cause().getMessage().contains("maxRounds 3"));
        ch.finish();
    }

    @Test
    void initiatorRejectsAnUnexpectedAnswer() {
        MultistreamSelectHandler handler = MultistreamSelectHandler.initiator(List.of("/noise"));
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        Wire.drainOutbound(ch);
        ch.writeInbound(buf(concat(msg(MS), msg("/tls/1.0.0"))));
        assertFalse(ch.isOpen());
        assertTrue(handler.selection().cause().getMessage().contains("expected \"/noise\" or na"));
        ch.finish();
    }

    @Test
    void closingBeforeSelectionFailsTheFuture() {
        Events events = new Events();
        MultistreamSelectHandler handler = responder("/noise");
        EmbeddedChannel ch = new EmbeddedChannel(handler, events);
        ch.writeInbound(buf(msg(MS)));
        ch.close();
        assertTrue(handler.selection().cause().getMessage().contains("closed before"));
        assertInstanceOf(ProtocolSelectionFailed.class, events.events.get(events.events.size() - 1));
        ch.finish();
        Wire.drainOutbound(ch);
    }

    @Test
    void peerHalfClosingBeforeSelectionFails() {
        MultistreamSelectHandler handler = responder("/noise");
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        ch.writeInbound(buf(msg(MS)));
        ch.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        assertFalse(ch.isOpen());
        assertTrue(handler.selection().cause().getMessage().contains("closed its output"));
        ch.finishAndReleaseAll();
    }

    @Test
    void constructorsValidate() {
        assertThrows(IllegalArgumentException.class, () -> MultistreamSelectHandler.initiator(List.of()));
        assertThrows(IllegalArgumentException.class, () -> MultistreamSelectHandler.initiator(List.of("noise")));
        assertThrows(IllegalArgumentException.class, () -> MultistreamSelectHandler.initiator(List.of("/a\nb")));
        assertThrows(IllegalArgumentException.class,
                () -> MultistreamSelectHandler.initiator(List.of("/a", "/b"), 1024, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MultistreamSelectHandler.initiator(List.of("/a"), 5, 16));
        assertTrue(e.getMessage().contains("maxMessageLength"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MultistreamSelectHandler.initiator(List.of("/a"), 1024, 0));
        assertTrue(e.getMessage().contains("maxRounds"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> MultistreamSelectHandler.initiator(List.of("/" + "x".repeat(100)), 64, 16));
    }
}
