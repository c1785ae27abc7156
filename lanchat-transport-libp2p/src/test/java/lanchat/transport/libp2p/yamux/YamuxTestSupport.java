package lanchat.transport.libp2p.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Probes and frame helpers shared by the yamux tests. */
final class YamuxTestSupport {
    private YamuxTestSupport() {}

    /** A frame as seen on the wire, without its buffer: {@code text} holds short payloads. */
    record F(YamuxFrameType type, int flags, int id, long length, String text) {}

    static F data(int id, int flags, String text) {
        return new F(YamuxFrameType.DATA, flags, id, text.length(), text);
    }

    static F dataOfLength(int id, int flags, long length) {
        return new F(YamuxFrameType.DATA, flags, id, length, null);
    }

    static F wu(int id, int flags, long delta) {
        return new F(YamuxFrameType.WINDOW_UPDATE, flags, id, delta, null);
    }

    static F ping(int flags, long value) {
        return new F(YamuxFrameType.PING, flags, 0, value, null);
    }

    static F goAway(GoAwayCode code) {
        return new F(YamuxFrameType.GO_AWAY, 0, 0, code.code(), null);
    }

    /**
     * Everything {@code ch} wrote, as {@link F}s; payloads are released (short ones kept as text). The session flushes
     * at the end of the event loop's task, so the channel's pending tasks run first.
     */
    static List<F> out(EmbeddedChannel ch) {
        ch.runPendingTasks();
        return frames(ch::readOutbound);
    }

    /** The {@link YamuxFrame}s {@code next} returns until null, as {@link F}s; payloads are released. */
    static List<F> frames(Supplier<Object> next) {
        List<F> frames = new ArrayList<>();
        for (Object msg; (msg = next.get()) != null; ) {
            YamuxFrame f = (YamuxFrame) msg;
            String text = null;
            if (f.data() != null) {
                if (f.length() <= 64) text = f.data().toString(StandardCharsets.ISO_8859_1);
                f.release();
            }
            frames.add(new F(f.type(), f.flags(), f.streamId(), f.length(), text));
        }
        return frames;
    }

    static ByteBuf bytes(String s) {
        return io.netty.buffer.Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Records what one stream sees; optionally echoes data and answers FIN with FIN. */
    static class Probe extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<Object> events = new ArrayList<>();
        volatile Channel channel;
        int active;
        int inactive;
        int reads;
        int readCompletes;
        boolean echo;

        Probe echoing() {
            echo = true;
            return this;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active++;
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            reads++;
            byte[] copy = new byte[b.readableBytes()];
            b.getBytes(b.readerIndex(), copy);
            received.writeBytes(copy);
            if (echo) {
                ctx.write(b);
            } else {
                b.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readCompletes++;
            if (echo) ctx.flush();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
            if (echo && evt == ChannelInputShutdownEvent.INSTANCE) ((DuplexChannel) ctx.channel()).shutdownOutput();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive++;
        }

        String text() {
            return received.toString(StandardCharsets.ISO_8859_1);
        }

        YamuxStreamChannel stream() {
            return (YamuxStreamChannel) channel;
        }
    }

    /** The inbound stream handler: a probe per stream, all kept for inspection. */
    @Sharable
    static final class Acceptor extends ChannelInitializer<Channel> {
        final List<Probe> probes = new ArrayList<>();
        private final Supplier<Probe> factory;
        private final Consumer<Channel> setup;

        Acceptor() {
            this(Probe::new, ch -> {});
        }

        Acceptor(Supplier<Probe> factory, Consumer<Channel> setup) {
            this.factory = factory;
            this.setup = setup;
        }

        @Override
        protected void initChannel(Channel ch) {
            setup.accept(ch);
            Probe p = factory.get();
            probes.add(p);
            ch.pipeline().addLast(p);
        }
    }

    /** Records user events on the connection's pipeline (after the session). */
    static final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }
    }
}
