package lanchat.transport.tcp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * An event-loop group and the socket channel classes that run on it. The two must match (an NIO channel cannot be
 * registered with an epoll loop), so they are chosen together, in {@link #create(String)} and nowhere else (a class
 * rather than a record, whose constructor would let any caller pair them).
 */
public final class EventLoops {
    private final EventLoopGroup group;
    private final Class<? extends ServerSocketChannel> serverChannel;
    private final Class<? extends SocketChannel> channel;

    private EventLoops(EventLoopGroup group, Class<? extends ServerSocketChannel> serverChannel, Class<? extends SocketChannel> channel) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.channel = channel;
    }

    /**
     * The loops for one transport instance, on daemon threads named {@code threadName-…} (a node must be able to
     * exit without closing every transport first).
     *
     * <p>NIO everywhere for now. This is the one place to pick a native transport (Netty's epoll where it loads)
     * instead, with NIO as the fallback.
     */
    public static EventLoops create(String threadName) {
        NioEventLoopGroup group = new NioEventLoopGroup(threads(Runtime.getRuntime().availableProcessors()), new DefaultThreadFactory(threadName, true));
        return new EventLoops(group, NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /**
     * One loop per core, at most two: a chat node has a handful of connections, so more loops would only add idle
     * threads (each with its own buffer caches), while two keep a busy connection from delaying the others.
     */
    static int threads(int processors) {
        return Math.max(1, Math.min(2, processors));
    }

    public EventLoopGroup group() {
        return group;
    }

    /** For {@code ServerBootstrap.channel}. */
    public Class<? extends ServerSocketChannel> serverChannel() {
        return serverChannel;
    }

    /** For {@code Bootstrap.channel}. */
    public Class<? extends SocketChannel> channel() {
        return channel;
    }
}
