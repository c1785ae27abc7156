package lanchat.transport.libp2p.yamux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two sessions over a real TCP connection on 127.0.0.1, each side on its own NIO event loop. */
class YamuxLoopbackTest {
    private final EventLoopGroup serverLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void shutdown() {
        serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Echoes everything, then answers the peer's FIN with its own. */
    @Sharable
    static final class Echo extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.write(msg);
                }

                @Override
                public void channelReadComplete(ChannelHandlerContext ctx) {
                    ctx.flush();
                }

                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt == ChannelInputShutdownEvent.INSTANCE) ((DuplexChannel) ctx.channel()).shutdownOutput();
                }
            });
        }
    }

    /**
     * Writes {@code payload} in pieces as writability allows, then FIN; collects the echo. Writability events
     * fire inside write() and flush() (as on Netty's own channels), so writeSome must tolerate re-entry.
     */
    static final class Sender extends ChannelInboundHandlerAdapter {
        final byte[] payload;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        int offset;
        boolean writing;
        boolean again;
        boolean finished;

        Sender(byte[] payload) {
            this.payload = payload;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            writeSome(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeSome(ctx);
        }

        private void writeSome(ChannelHandlerContext ctx) {
            if (writing) {
                again = true;
                return;
            }
            writing = true;
            try {
                do {
                    again = false;
                    while (offset < payload.length && ctx.channel().isWritable()) {
                        int at = offset;
                        int n = Math.min(16 * 1024, payload.length - at);
                        offset += n;
                        ctx.write(Unpooled.wrappedBuffer(payload, at, n));
                    }
                    ctx.flush();
                } while (again && offset < payload.length);
                if (offset == payload.length && !finished) {
                    finished = true;
                    ((DuplexChannel) ctx.channel()).shutdownOutput();
                }
            } finally {
                writing = false;
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            byte[] copy = new byte[b.readableBytes()];
            b.readBytes(copy);
            b.release();
            received.writeBytes(copy);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.complete(received.toByteArray());
        }
    }

    /** A yamux listener on 127.0.0.1 whose streams echo. */
    private Channel echoServer() throws InterruptedException {
        return new ServerBootstrap().group(serverLoop).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new YamuxFrameCodec(), new YamuxSession(false, new Echo()));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @Test
    void echoesManyStreamsOverTcp() throws Exception {
        Channel server = echoServer();
        YamuxSession session = new YamuxSession(true, new Echo());
        Channel client = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new YamuxFrameCodec(), session);
                    }
                }).connect(server.localAddress()).sync().channel();

        Duration rtt = session.ping().get(5, TimeUnit.SECONDS);
        assertTrue(rtt.toMillis() < 5000);

        Random rnd = new Random(7);
        List<Sender> senders = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < 20; i++) {
            byte[] payload = new byte[i == 0 ? 16 << 20 : 200_000 + rnd.nextInt(100_000)];
            rnd.nextBytes(payload);
            total += payload.length;
            senders.add(new Sender(payload));
        }
        long start = System.nanoTime();
        for (Sender s : senders) assertTrue(session.openStream(s).await(5, TimeUnit.SECONDS));
        for (Sender s : senders) s.done.get(30, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        for (Sender s : senders) assertArrayEquals(s.payload, s.done.getNow(null));
        System.out.printf("yamux loopback: echoed %.1f MiB on 20 streams in %.2f s (%.0f MiB/s each way)%n",
                total / 1048576.0, seconds, total / 1048576.0 / seconds);
        assertEquals(0, session.streamCount());

        client.close().sync();
        server.close().sync();
    }

    @Test
    void streamsOpenedAndWrittenInOneTaskLeaveInOneFlush() throws Exception {
        // as a connection starts it opens its first streams together (identify, chat): their SYNs and first data go
        // out as one TLS record in one segment, not one each (README "Connection setup, flight by flight")
        Channel server = echoServer();
        AtomicLong flushes = new AtomicLong();
        YamuxSession session = new YamuxSession(true, new Echo());
        Channel client = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                            @Override
                            public void flush(ChannelHandlerContext ctx) {
                                flushes.incrementAndGet();
                                ctx.flush();
                            }
                        }, new YamuxFrameCodec(), session);
                    }
                }).connect(server.localAddress()).sync().channel();
        assertTrue(session.ping().get(5, TimeUnit.SECONDS).toMillis() < 5000); // the session is up and quiet

        Sender first = new Sender("/multistream/1.0.0\n/ipfs/id/1.0.0\n".getBytes(StandardCharsets.UTF_8));
        Sender second = new Sender("/multistream/1.0.0\n/chat/1.1.0\n".getBytes(StandardCharsets.UTF_8));
        CompletableFuture<Long> flushed = new CompletableFuture<>();
        client.eventLoop().execute(() -> {
            long before = flushes.get();
            session.openStream(first); // each writes its bytes as it becomes active, then FIN
            session.openStream(second);
            // queued behind the session's flush, and run in the same pass over the task queue: no read (the echo)
            // comes in between
            client.eventLoop().execute(() -> flushed.complete(flushes.get() - before));
        });
        assertEquals(1, flushed.get(5, TimeUnit.SECONDS), "the task's SYNs, data and FINs in one flush");
        assertArrayEquals(first.payload, first.done.get(5, TimeUnit.SECONDS));
        assertArrayEquals(second.payload, second.done.get(5, TimeUnit.SECONDS));
        client.close().sync();
        server.close().sync();
    }

    /** First in the pipeline: after each flush, the bytes the socket has not taken yet. */
    static final class QueueProbe extends ChannelOutboundHandlerAdapter {
        final AtomicLong max = new AtomicLong();

        @Override
        public void flush(ChannelHandlerContext ctx) {
            ctx.flush();
            ChannelOutboundBuffer queue = ctx.channel().unsafe().outboundBuffer();
            if (queue != null) max.accumulateAndGet(queue.totalPendingWriteBytes(), Math::max);
        }
    }

    @Test
    void aPeerThatNeverReadsIsCutOffOnceOurRepliesPassTheLimit() throws Exception {
        long limit = 256 * 1024;
        // every SYN is refused with a RST, a reply that no window limits and that cannot be dropped
        YamuxConfig config = YamuxConfig.defaults().withMaxInboundStreams(0).withMaxQueuedOutboundBytes(limit);
        QueueProbe probe = new QueueProbe();
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(serverLoop).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.SO_SNDBUF, 16 * 1024) // small kernel buffers: the queue is ours to bound
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(probe, new YamuxFrameCodec(), new YamuxSession(false, new Echo(), config));
                        accepted.complete(ch);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket attacker = new Socket()) {
            attacker.setReceiveBufferSize(4096);
            attacker.connect(server.localAddress(), 5000);
            OutputStream out = attacker.getOutputStream();
            ByteBuffer syns = ByteBuffer.allocate(1000 * YamuxFrame.HEADER_LENGTH);
            // 200,000 SYNs (2.4 MB) at most, and their answers never read
            try {
                for (int id = 1; id < 400_000; ) {
                    syns.clear();
                    for (int i = 0; i < 1000; i++, id += 2) {
                        syns.put((byte) 0).put((byte) YamuxFrameType.WINDOW_UPDATE.code())
                                .putShort((short) YamuxFrame.FLAG_SYN).putInt(id).putInt(0);
                    }
                    out.write(syns.array());
                }
            } catch (IOException closedByTheServer) {
                // the server may hang up while we still write
            }
            // still connected and still not reading: only the limit can make the server close
            Channel connection = accepted.get(5, TimeUnit.SECONDS);
            assertTrue(connection.closeFuture().await(5, TimeUnit.SECONDS), "the server closed the connection");
        }
        // answers are flushed every 16 KiB of them, each a 12-byte buffer plus Netty's bookkeeping
        assertTrue(probe.max.get() <= limit + 256 * 1024, "queued up to " + probe.max.get() + " bytes");
        assertFalse(server.closeFuture().isDone(), "the server still listens");
        server.close().sync();
    }
}
