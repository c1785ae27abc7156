package lanchat.discovery.mdns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;

import lanchat.api.Multiaddr;
import lanchat.api.spi.Discovery;
import lanchat.api.spi.DiscoveryConfig;
import lanchat.api.spi.DiscoveryEvent;

/**
 * The {@link Discovery} of one room: one Netty event loop thread runs the {@link MdnsEngine}, two UDP sockets on
 * port 5353 (IPv4 and IPv6, {@code SO_REUSEADDR}, multicast TTL 255, loopback on so that nodes on one host see each
 * other) joined to 224.0.0.251 / ff02::fb on every usable interface, and the timers (interface poll, query interval,
 * TTL sweep). Every send goes through a per-socket queue that sets {@code IP_MULTICAST_IF} and writes one datagram at
 * a time, so each message leaves by the interface it was built for.
 */
final class MdnsDiscovery implements Discovery {
    private static final Logger log = LoggerFactory.getLogger(MdnsDiscovery.class);
    static final InetAddress GROUP4 = ip(new byte[] {(byte) 224, 0, 0, (byte) 251});
    static final byte[] GROUP6 = {(byte) 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xfb};
    /** Datagrams handled per second before the rest is dropped (a flood must not eat the CPU). */
    static final int MAX_PACKETS_PER_SECOND = 2000;
    private static final int MAX_QUEUED = 256;

    private final DiscoveryConfig config;
    private final MdnsOptions options;
    private final ServiceNames names;
    private final int port;
    private EventLoopGroup group;
    private EventLoop loop;
    private MdnsEngine engine;
    private Family v4, v6;
    private Consumer<DiscoveryEvent> listener;
    private volatile boolean closed;
    private boolean started;
    private volatile BiConsumer<byte[], InetSocketAddress> tap;
    private long window;
    private int windowCount;
    private boolean warnedNoInterface;

    MdnsDiscovery(DiscoveryConfig config) {
        this(config, MdnsEngine.MDNS_PORT);
    }

    MdnsDiscovery(DiscoveryConfig config, int port) {
        this.config = config;
        this.options = MdnsOptions.parse(config.options());
        this.names = ServiceNames.of(config.room(), new SecureRandom());
        this.port = port;
    }

    /** Test hook: sees every datagram received (before decoding). */
    void tap(BiConsumer<byte[], InetSocketAddress> t) {
        tap = t;
    }

    ServiceNames names() {
        return names;
    }

    @Override
    public void start(List<Multiaddr> addresses, Consumer<DiscoveryEvent> listener) {
        start(addresses, Map.of(), listener);
    }

    /** Our TXT record also says which transport listens on which port ({@link TxtRecords#TRANSPORTS_PREFIX}). */
    @Override
    public synchronized void start(List<Multiaddr> addresses, Map<String, Integer> transportPorts, Consumer<DiscoveryEvent> listener) {
        if (closed) throw new IllegalStateException("discovery is closed");
        if (started) throw new IllegalStateException("discovery already started");
        started = true;
        this.listener = listener;
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("lanchat-mdns", true), NioIoHandler.newFactory());
        loop = group.next();
        engine = new MdnsEngine(names, config.self(), options, new NettyIo(), this::deliver, () -> System.nanoTime() / 1_000_000, new SecureRandom());
        engine.setListenAddresses(addresses);
        engine.setTransportPorts(transportPorts);
        v4 = open(false);
        v6 = options.ipv6() ? open(true) : null;
        if (v4 == null && v6 == null) {
            group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
            closed = true; // nothing to close any more
            throw new IllegalStateException("mDNS: cannot bind UDP port " + port + " (IPv4 or IPv6)");
        }
        await(loop.submit(this::pollInterfaces), 3000);
        loop.scheduleAtFixedRate(guarded(this::pollInterfaces), options.interfacePollMs(), options.interfacePollMs(), TimeUnit.MILLISECONDS);
        loop.scheduleAtFixedRate(guarded(engine::periodicQuery), options.queryIntervalMs(), options.queryIntervalMs(), TimeUnit.MILLISECONDS);
        loop.scheduleAtFixedRate(guarded(engine::sweep), 1000, 1000, TimeUnit.MILLISECONDS);
        log.info("mDNS: room '{}' as {} (service {})", config.room(), names.instance, names.service);
    }

    private static Runnable guarded(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("mDNS: {}", e.toString(), e);
            }
        };
    }

    // ------------------------------------------------------------------------------------------ sockets

    /** One socket of one family, its group memberships and its send queue. */
    private final class Family {
        final boolean ipv6;
        final NioDatagramChannel ch;
        final Map<String, NetworkInterface> joined = new LinkedHashMap<>();
        final ArrayDeque<Object[]> queue = new ArrayDeque<>();
        boolean inFlight;

        Family(boolean ipv6, NioDatagramChannel ch) {
            this.ipv6 = ipv6;
            this.ch = ch;
        }

        InetSocketAddress group(NetworkInterface nif) {
            if (!ipv6) return new InetSocketAddress(GROUP4, port);
            try {
                return new InetSocketAddress(Inet6Address.getByAddress(null, GROUP6, nif), port);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        void send(NetworkInterface nif, InetSocketAddress to, byte[] bytes) {
            if (queue.size() >= MAX_QUEUED) {
                log.debug("mDNS: send queue full, dropping a datagram");
                return;
            }
            queue.add(new Object[] {nif, to, bytes});
            pump();
        }

        void pump() {
            while (!inFlight && !queue.isEmpty()) {
                Object[] o = queue.poll();
                NetworkInterface nif = (NetworkInterface) o[0];
                try {
                    if (nif != null) ch.config().setNetworkInterface(nif);
                } catch (RuntimeException gone) {
                    log.debug("mDNS: cannot send on {}: {}", nif.getName(), gone.toString());
                    continue;
                }
                inFlight = true;
                ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer((byte[]) o[2]), (InetSocketAddress) o[1])).addListener(f -> {
                    if (!f.isSuccess()) log.debug("mDNS: send to {} failed: {}", o[1], String.valueOf(f.cause()));
                    inFlight = false;
                    pump();
                });
            }
        }

        boolean idle() {
            return queue.isEmpty() && !inFlight;
        }
    }

    private Family open(boolean ipv6) {
        Bootstrap b = new Bootstrap().group(group)
                .channelFactory(() -> new NioDatagramChannel(ipv6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4))
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.IP_MULTICAST_TTL, 255)
                .option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, false)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MdnsCodec.MAX_PACKET))
                .handler(new Inbound(ipv6));
        try {
            InetAddress any = ipv6 ? InetAddress.getByAddress(new byte[16]) : InetAddress.getByAddress(new byte[4]);
            ChannelFuture f = b.bind(new InetSocketAddress(any, port));
            if (!f.awaitUninterruptibly(3000) || !f.isSuccess()) {
                noSocket(ipv6, String.valueOf(f.cause()));
                if (f.channel().isRegistered()) f.channel().close();
                return null;
            }
            return new Family(ipv6, (NioDatagramChannel) f.channel());
        } catch (UnknownHostException | RuntimeException e) {
            noSocket(ipv6, e.toString());
            return null;
        }
    }

    /** A host without IPv6 (common in containers) is normal; a host without IPv4 multicast is not. */
    private void noSocket(boolean ipv6, String why) {
        if (ipv6) log.info("mDNS: no IPv6 socket on port {} ({}); IPv4 only", port, why);
        else log.warn("mDNS: no IPv4 socket on port {}: {}", port, why);
    }

    private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
        private final boolean ipv6;

        Inbound(boolean ipv6) {
            this.ipv6 = ipv6;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            InetSocketAddress sender = p.sender();
            if (sender == null || (ipv6 && sender.getAddress() instanceof Inet4Address)) return; // the IPv4 socket has it
            if (!admit()) return;
            ByteBuf c = p.content();
            byte[] bytes = ByteBufUtil.getBytes(c);
            BiConsumer<byte[], InetSocketAddress> t = tap;
            if (t != null) t.accept(bytes, sender);
            try {
                engine.onPacket(bytes, 0, bytes.length, sender);
            } catch (RuntimeException e) {
                log.debug("mDNS: packet from {} dropped: {}", sender, e.toString());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("mDNS: socket error: {}", cause.toString());
        }
    }

    private boolean admit() {
        long now = System.nanoTime() / 1_000_000;
        if (now - window >= 1000) {
            if (windowCount > MAX_PACKETS_PER_SECOND) log.warn("mDNS: {} datagrams in one second, dropped beyond {}", windowCount, MAX_PACKETS_PER_SECOND);
            window = now;
            windowCount = 0;
        }
        return ++windowCount <= MAX_PACKETS_PER_SECOND;
    }

    // ------------------------------------------------------------------------------------------ interfaces

    private void pollInterfaces() {
        if (closed) return;
        List<NetIf> all;
        try {
            all = NetIf.snapshot();
        } catch (SocketException e) {
            log.debug("mDNS: cannot list interfaces: {}", e.toString());
            return;
        }
        List<NetIf> usable = NetIf.usable(all, options.interfaces());
        for (Family fam : new Family[] {v4, v6}) {
            if (fam == null) continue;
            Map<String, NetIf> want = new LinkedHashMap<>();
            for (NetIf n : usable) if (fam.ipv6 ? n.hasIpv6() : n.hasIpv4()) want.put(n.key(), n);
            for (var it = fam.joined.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (want.containsKey(e.getKey())) continue;
                it.remove();
                fam.ch.leaveGroup(fam.group(e.getValue()), e.getValue()); // fails harmlessly when the interface is gone
                log.info("mDNS: left {} on {}", fam.ipv6 ? "ff02::fb" : "224.0.0.251", e.getKey());
            }
            for (NetIf n : want.values()) {
                if (fam.joined.containsKey(n.key())) continue;
                try {
                    NetworkInterface ni = NetworkInterface.getByIndex(n.index());
                    if (ni == null || !ni.getName().equals(n.name())) continue;
                    ChannelFuture f = fam.ch.joinGroup(fam.group(ni), ni); // NIO joins synchronously: f is done
                    if (f.isDone() && f.isSuccess()) {
                        fam.joined.put(n.key(), ni);
                        log.info("mDNS: joined {} on {}", fam.ipv6 ? "ff02::fb" : "224.0.0.251", n.key());
                    } else {
                        log.debug("mDNS: cannot join on {}: {}", n.key(), String.valueOf(f.cause()));
                    }
                } catch (SocketException e) {
                    log.debug("mDNS: cannot join on {}: {}", n.key(), e.toString());
                }
            }
        }
        List<NetIf> joined = new ArrayList<>();
        for (NetIf n : usable) if ((v4 != null && v4.joined.containsKey(n.key())) || (v6 != null && v6.joined.containsKey(n.key()))) joined.add(n);
        if (joined.isEmpty() && !warnedNoInterface) {
            warnedNoInterface = true;
            log.warn("mDNS: no usable network interface yet{}", options.interfaces().map(s -> " among " + s).orElse(""));
        } else if (!joined.isEmpty()) {
            warnedNoInterface = false;
        }
        engine.interfaces(joined, NetIf.allAddresses(all));
    }

    private final class NettyIo implements MdnsEngine.Io {
        @Override
        public void multicast(NetIf nif, byte[] packet) {
            for (Family fam : new Family[] {v4, v6}) {
                if (fam == null) continue;
                NetworkInterface ni = fam.joined.get(nif.key());
                if (ni != null) fam.send(ni, fam.group(ni), packet);
            }
        }

        @Override
        public void unicast(InetSocketAddress to, byte[] packet) {
            Family fam = to.getAddress() instanceof Inet4Address ? v4 : v6;
            if (fam != null) fam.send(null, to, packet);
        }

        @Override
        public void schedule(Runnable task, long delayMs) {
            loop.schedule(guarded(task), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    // ------------------------------------------------------------------------------------------ events and close

    private void deliver(DiscoveryEvent e) {
        if (closed) return;
        try {
            config.callbacks().execute(() -> {
                if (!closed) listener.accept(e);
            });
        } catch (RejectedExecutionException gone) {
            // the app is shutting down
        }
    }

    @Override
    public List<String> recentlyHeard() {
        MdnsEngine e;
        synchronized (this) {
            e = engine;
        }
        return e == null ? List.of() : e.recentlyHeard();
    }

    /** Sends goodbyes on every interface, then closes the sockets; returns within about a second. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            if (!started) return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(800);
        try {
            await(loop.submit(engine::goodbye), 400);
            while (System.nanoTime() < deadline) { // let the goodbyes leave before the sockets close
                Future<Boolean> idle = loop.submit(() -> (v4 == null || v4.idle()) && (v6 == null || v6.idle()));
                if (!idle.awaitUninterruptibly(100) || Boolean.TRUE.equals(idle.getNow())) break;
                Thread.sleep(5);
            }
            for (Family fam : new Family[] {v4, v6}) if (fam != null) fam.ch.close().awaitUninterruptibly(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).awaitUninterruptibly(500);
        }
    }

    private static void await(Future<?> f, long ms) {
        if (!f.awaitUninterruptibly(ms)) log.debug("mDNS: event loop task took longer than {} ms", ms);
        else if (f.cause() != null) log.warn("mDNS: {}", f.cause().toString(), f.cause());
    }

    private static InetAddress ip(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
