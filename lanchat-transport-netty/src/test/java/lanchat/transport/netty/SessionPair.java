package lanchat.transport.netty;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.ReferenceCountUtil;
import lanchat.api.Identity;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.testkit.TransportHarness.Recorder;

/**
 * Two sessions on {@link EmbeddedChannel}s with the real frame decoder and codec, wired back to back: what crosses
 * is bytes, as on a socket. App callbacks run inline. Nothing moves until {@link #pump()} or {@link #transfer}.
 */
final class SessionPair {
    /** What crossed the wire, read from a frame's bytes: its type, channel id (channel frames) and length. */
    record Seen(byte type, int channel, int length) {
        /** The credit a DATA frame costs: its chunk, plus the length word of a first chunk. */
        int dataCost() {
            return length - 6;
        }

        boolean is(byte t) {
            return type == t;
        }
    }

    final EmbeddedChannel dialerWire;
    final EmbeddedChannel listenerWire;
    final NettyChatSession dialer;
    final NettyChatSession listener;
    final Recorder dialerChat = new Recorder();
    final Recorder listenerChat = new Recorder();

    SessionPair(ProtocolRegistry dialerProtocols, ProtocolRegistry listenerProtocols) {
        Route toDialer = new Route();
        Route toListener = new Route();
        dialerWire = wire(toDialer);
        listenerWire = wire(toListener);
        byte[] hash = new byte[32];
        dialer = new NettyChatSession(dialerWire, Identity.generate().peerId(), Direction.OUTBOUND, hash, Runnable::run, 1 << 20, dialerProtocols);
        listener = new NettyChatSession(listenerWire, Identity.generate().peerId(), Direction.INBOUND, hash, Runnable::run, 1 << 20, listenerProtocols);
        toDialer.session = dialer;
        toListener.session = listener;
        dialer.setListener(dialerChat);
        listener.setListener(listenerChat);
        pump();
    }

    static ProtocolRegistry registry(ProtocolHandler... handlers) {
        ProtocolRegistry r = new ProtocolRegistry();
        for (ProtocolHandler h : handlers) r.register(h);
        r.freeze();
        return r;
    }

    private static EmbeddedChannel wire(Route route) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(2 << 20, 0, 4, 0, 4), new ChatFrameCodec(), route);
        return ch;
    }

    /** Moves frames both ways and runs both event loops until nothing moves. */
    List<Seen> pump() {
        List<Seen> seen = new ArrayList<>();
        for (int round = 0; round < 100_000; round++) {
            dialerWire.runPendingTasks();
            listenerWire.runPendingTasks();
            int before = seen.size();
            seen.addAll(transfer(dialerWire, listenerWire));
            seen.addAll(transfer(listenerWire, dialerWire));
            if (seen.size() == before) return seen;
        }
        throw new AssertionError("the pair never went quiet");
    }

    /** Runs {@code from}'s tasks and moves what it wrote so far into {@code to} (or drops it, when {@code to} is null). */
    static List<Seen> transfer(EmbeddedChannel from, EmbeddedChannel to) {
        from.runPendingTasks();
        List<Seen> seen = new ArrayList<>();
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            ByteBuf frame = (ByteBuf) msg;
            byte type = frame.getByte(frame.readerIndex() + 4);
            int channel = ChannelFrames.isChannelFrame(type) ? frame.getInt(frame.readerIndex() + 5) : 0;
            seen.add(new Seen(type, channel, frame.readableBytes() - 4));
            if (to != null && to.isOpen()) to.writeInbound(frame);
            else ReferenceCountUtil.release(frame);
        }
        if (to != null) to.runPendingTasks();
        return seen;
    }

    /** Closes both ends and releases whatever is left. */
    void finish() {
        dialerWire.finishAndReleaseAll();
        listenerWire.finishAndReleaseAll();
    }

    /** What {@code ConnectionHandler} does for a session, without the handshake: frames in, writability, the end. */
    static final class Route extends ChannelInboundHandlerAdapter {
        NettyChatSession session;
        Throwable failure;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            session.onFrame((ChatFrame) msg);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) session.drain();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (failure == null) failure = cause;
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            session.onClosed(failure);
        }
    }
}
