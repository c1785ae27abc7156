package lanchat.api.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.resource.ResourceManager;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import lanchat.api.spi.TransportProvider;

/** Transports over loopback for tests: each node has a fresh identity and an inbound queue; close() ends them all. */
public final class TransportHarness implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);
    public static final Multiaddr LOOPBACK = Multiaddr.parse("/ip4/127.0.0.1/tcp/0");

    private final TransportProvider provider;
    private final Map<String, String> options;
    private final List<Transport> transports = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();

    private final ResourceLimits limits;

    public TransportHarness(TransportProvider provider, Map<String, String> options) {
        this(provider, options, ResourceLimits.DEFAULTS);
    }

    /** Each node gets a resource manager of its own with these limits, as each node of a room has. */
    public TransportHarness(TransportProvider provider, Map<String, String> options, ResourceLimits limits) {
        this.provider = provider;
        this.options = options;
        this.limits = limits;
    }

    /** A transport with its identity (fresh, or a given one: a node restarted) and an inbound queue. */
    public final class Node {
        public final Identity identity;
        public final Transport transport;
        public final ResourceManager resources = new ResourceManager(limits);
        public final BlockingQueue<ChatSession> inbound = new LinkedBlockingQueue<>();
        public List<Multiaddr> addrs;

        Node(Identity identity) {
            this.identity = identity;
            ExecutorService callbacks = Executors.newSingleThreadExecutor();
            executors.add(callbacks);
            transport = provider.create(new TransportConfig(identity, callbacks, options, resources));
            transports.add(transport);
            transport.onInbound(inbound::add);
        }

        public Node listen() throws Exception {
            addrs = await(transport.listen(LOOPBACK));
            return this;
        }

        public Multiaddr addr() {
            return addrs.get(0);
        }

        public ChatSession accept() throws InterruptedException {
            ChatSession s = inbound.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (s == null) throw new AssertionError("no inbound session within " + WAIT);
            return s;
        }
    }

    /** Records a session's events. */
    public static final class Recorder implements SessionListener {
        public final BlockingQueue<ChatMessage> messages = new LinkedBlockingQueue<>();
        public final CompletableFuture<Throwable> closed = new CompletableFuture<>();

        @Override
        public void onMessage(ChatSession session, ChatMessage message) {
            messages.add(message);
        }

        @Override
        public void onClosed(ChatSession session, Throwable cause) {
            if (!closed.complete(cause)) throw new AssertionError("onClosed delivered twice");
        }

        public ChatMessage next() throws InterruptedException {
            ChatMessage m = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (m == null) throw new AssertionError("no message within " + WAIT);
            return m;
        }

        public Throwable awaitClosed() throws Exception {
            return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Records a channel's messages and its end; {@link #gate} holds each message as not done with until completed. */
    public static final class ChannelRecorder implements ChannelListener {
        public final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        public final CompletableFuture<Throwable> closed = new CompletableFuture<>();
        /** Completed to let messages count as done with; null: at once. */
        public volatile CompletableFuture<Void> gate;

        @Override
        public CompletionStage<?> onMessage(ProtocolChannel channel, byte[] message) {
            messages.add(message);
            return gate;
        }

        @Override
        public void onClosed(ProtocolChannel channel, Throwable cause) {
            if (!closed.complete(cause)) throw new AssertionError("onClosed delivered twice");
        }

        public byte[] next() throws InterruptedException {
            byte[] m = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (m == null) throw new AssertionError("no channel message within " + WAIT);
            return m;
        }

        public Throwable awaitClosed() throws Exception {
            return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    public Node node() {
        return new Node(Identity.generate());
    }

    /** A node with {@code identity}: the same peer as an earlier node of this harness, after a restart. */
    public Node node(Identity identity) {
        return new Node(identity);
    }

    public static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        transports.forEach(Transport::close);
        executors.forEach(ExecutorService::shutdownNow);
    }
}
