package lanchat.transport.tcp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
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
     * Set to {@code false} to run on NIO even where the native transport loads (to compare the two, or to rule the
     * native library out when hunting a fault).
     */
    public static final String NATIVE_PROPERTY = "lanchat.transport.native";

    /**
     * The loops for one transport instance, on daemon threads named {@code threadName-…} (a node must be able to
     * exit without closing every transport first): Netty's native epoll transport where its library loads (Linux on
     * x86-64: fewer system calls and copies per message than NIO's selector), NIO everywhere else or when
     * {@value #NATIVE_PROPERTY} is {@code false}. The epoll loops poll for a moment before they sleep
     * ({@link SpinBeforeSleep}, {@value #SPIN_PROPERTY}).
     */
    public static EventLoops create(String threadName) {
        return create(threadName, nativeWanted() && Epoll.isAvailable());
    }

    /** As {@link #create(String)}, with the choice made by the caller (tests run both kinds); epoll must be available. */
    static EventLoops create(String threadName, boolean epoll) {
        if (epoll) {
            Epoll.ensureAvailability();
            // maxEvents 0: Netty's default (an event array that grows as needed); one strategy per loop (it has state)
            return new EventLoops(group(threadName, EpollIoHandler.newFactory(0, () -> new SpinBeforeSleep(spinNanos(), System::nanoTime))), EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new EventLoops(group(threadName, NioIoHandler.newFactory()), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    private static EventLoopGroup group(String threadName, IoHandlerFactory handlers) {
        return new MultiThreadIoEventLoopGroup(threads(Runtime.getRuntime().availableProcessors()), new DefaultThreadFactory(threadName, true), handlers);
    }

    /**
     * How long (µs) an epoll loop keeps polling after it last had work before it sleeps in the kernel
     * ({@link SpinBeforeSleep}); 0 turns it off (to compare, or on a machine where every core is needed elsewhere).
     */
    public static final String SPIN_PROPERTY = "lanchat.transport.spinMicros";
    static final long DEFAULT_SPIN_MICROS = 50;

    static long spinNanos() {
        return Math.max(0, Long.getLong(SPIN_PROPERTY, DEFAULT_SPIN_MICROS)) * 1000;
    }

    private static boolean nativeWanted() {
        return !"false".equalsIgnoreCase(System.getProperty(NATIVE_PROPERTY, "true"));
    }

    /** Whether these loops run on the native transport (shown by {@code --verbose} and the bench). */
    public boolean isNative() {
        return channel == EpollSocketChannel.class;
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
