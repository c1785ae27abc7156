package lanchat.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Both kinds of loops carry bytes over real sockets on 127.0.0.1. */
class EventLoopsTest {

    /**
     * The build ships the Linux x86-64 library, and CI runs there: if it stops loading (a missing jar in mods/, a
     * module that is not resolved) every node silently falls back to NIO, so this says so loudly.
     */
    @Test
    void onLinuxX86TheNativeTransportLoadsAndIsTheDefault() {
        if (!System.getProperty("os.name").equals("Linux") || !System.getProperty("os.arch").equals("amd64")) return;
        assertTrue(Epoll.isAvailable(), () -> "epoll did not load: " + Epoll.unavailabilityCause());
        EventLoops loops = EventLoops.create("test-default");
        try {
            assertTrue(loops.isNative());
            assertEquals(EpollSocketChannel.class, loops.channel());
        } finally {
            loops.group().shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void thePropertyForcesNio() {
        String before = System.getProperty(EventLoops.NATIVE_PROPERTY);
        System.setProperty(EventLoops.NATIVE_PROPERTY, "false");
        EventLoops loops = EventLoops.create("test-nio");
        try {
            assertFalse(loops.isNative());
            assertEquals(NioSocketChannel.class, loops.channel());
        } finally {
            if (before == null) System.clearProperty(EventLoops.NATIVE_PROPERTY);
            else System.setProperty(EventLoops.NATIVE_PROPERTY, before);
            loops.group().shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void bytesGoThereAndBack(boolean epoll) throws Exception {
        if (epoll && !Epoll.isAvailable()) return; // elsewhere only NIO exists, and the case below covers it
        EventLoops loops = EventLoops.create("test-echo", epoll);
        try {
            Channel server = new ServerBootstrap().group(loops.group()).channel(loops.serverChannel())
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg); // echo, handing the buffer on
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel client = new Bootstrap().group(loops.group()).channel(loops.channel())
                    .handler(new ChannelInboundHandlerAdapter() {
                        private final StringBuilder got = new StringBuilder();

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            got.append(b.toString(StandardCharsets.UTF_8));
                            b.release();
                            if (got.length() >= 5) echoed.complete(got.toString());
                        }
                    }).connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
            assertEquals("hello", echoed.get(10, TimeUnit.SECONDS));
            assertEquals(epoll, loops.isNative());
            client.close().sync();
            server.close().sync();
        } finally {
            loops.group().shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).sync();
        }
    }
}
