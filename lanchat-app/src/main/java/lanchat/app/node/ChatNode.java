package lanchat.app.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.policy.ReconnectPolicy;
import lanchat.api.spi.Discovery;
import lanchat.api.spi.DiscoveryConfig;
import lanchat.api.spi.DiscoveryProvider;
import lanchat.api.spi.Transport;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.resource.ResourceManager;
import lanchat.api.spi.TransportConfig;
import lanchat.api.spi.TransportProvider;
import lanchat.room.PendingMessage;
import lanchat.room.Room;
import lanchat.room.RoomConfig;
import lanchat.room.RoomMessage;

/**
 * One running LAN Chat node: its transports (one, or several seen as one: {@link NodeTransports}), optionally a
 * discovery, and the {@link PeerManager} between them, all driven by one thread. The launcher and the tests build it the same way.
 */
public final class ChatNode implements AutoCloseable {
    /**
     * What a node is made of; {@code discovery} and {@code room} are both set or both empty; {@code limits} bound what
     * peers can make the node hold (one {@link ResourceManager} for the node, shared by its transports);
     * {@code moreTransports} run beside {@code transport} ({@code --transport libp2p,netty}, see {@link NodeTransports}).
     */
    public record Setup(Identity identity, TransportProvider transport, Optional<DiscoveryProvider> discovery, Optional<String> room,
                        String nick, Map<String, String> options, ReconnectPolicy policy, ResourceLimits limits, Optional<PreSharedKey> roomKey,
                        List<TransportProvider> moreTransports) {
        public Setup {
            moreTransports = List.copyOf(moreTransports);
        }

        /** One transport. */
        public Setup(Identity identity, TransportProvider transport, Optional<DiscoveryProvider> discovery, Optional<String> room,
                     String nick, Map<String, String> options, ReconnectPolicy policy, ResourceLimits limits, Optional<PreSharedKey> roomKey) {
            this(identity, transport, discovery, room, nick, options, policy, limits, roomKey, List.of());
        }

        /** An open room (no room key). */
        public Setup(Identity identity, TransportProvider transport, Optional<DiscoveryProvider> discovery, Optional<String> room,
                     String nick, Map<String, String> options, ReconnectPolicy policy, ResourceLimits limits) {
            this(identity, transport, discovery, room, nick, options, policy, limits, Optional.empty());
        }

        /**
         * The name discovery advertises: the room's, or in a private room one derived from the key and the room
         * ({@link PreSharedKey#serviceName}), so the room's name never reaches the wire.
         */
        public Optional<String> discoveryName() {
            return room.map(r -> roomKey.map(k -> k.serviceName(r)).orElse(r));
        }

        /** At the default limits. */
        public Setup(Identity identity, TransportProvider transport, Optional<DiscoveryProvider> discovery, Optional<String> room,
                     String nick, Map<String, String> options, ReconnectPolicy policy) {
            this(identity, transport, discovery, room, nick, options, policy, ResourceLimits.DEFAULTS);
        }
    }

    /** Where and how long the room log keeps history (issue 14): with no {@code dataDir}, in memory only. */
    public record History(Optional<Path> dataDir, int limit, Duration age) {
        public static final History IN_MEMORY = new History(Optional.empty(), RoomConfig.DEFAULT_HISTORY_LIMIT, RoomConfig.DEFAULT_HISTORY_AGE);
    }

    /** The room of a node without {@code --rendezvous}: itself, the peers it dials and those that dial it. */
    public static final String DIRECT_ROOM = "(direct)";

    /** A line handed to the room: to how many sessions it goes, and whether the room log keeps it (else: a plain line). */
    public record Sent(int sessions, boolean kept) {}

    /** How long a peer that dialed us may take to show up in our room's mDNS records. */
    static final Duration ROOM_ADMISSION_GRACE = Duration.ofSeconds(5);
    /**
     * Events the transport may have waiting for the node thread at once. The node thread takes well under a
     * millisecond per event, so only a flood fills this; a pasted burst of a few hundred lines from several peers at
     * once does not (a smaller bound would close their streams). What happens when full: {@link BoundedExecutor}. This
     * bounds the count, not the bytes: each event holds one message of up to {@code maxMessageBytes} (1 MiB by
     * default), so bytes held for the app need the transports to reserve them in the resource manager until the event
     * has run (not done yet: a transport change).
     */
    static final int TRANSPORT_EVENTS = 1024;
    /** Discovery's events waiting at once (mDNS reports at most one per peer change, at most 2,000 datagrams a second). */
    static final int DISCOVERY_EVENTS = 256;
    /** After events were refused, how long until sessions whose close event may have been refused are forgotten. */
    static final Duration AFTER_REFUSAL = Duration.ofSeconds(5);

    private final Identity identity;
    private final Optional<PreSharedKey> roomKey;
    private final ResourceManager resources;
    private final ScheduledExecutorService loop;
    private final NodeTransports transport;
    private final Optional<Discovery> discovery;
    private final PeerManager peers;
    private final RoomWiring room;
    private final AtomicBoolean cleanupArmed = new AtomicBoolean();
    private final Optional<String> roomName;
    private volatile Thread nodeThread;
    private volatile boolean closed;

    /** With the room's history in memory. */
    public ChatNode(Setup setup, NodeEvents events) {
        this(setup, events, History.IN_MEMORY);
    }

    public ChatNode(Setup setup, NodeEvents events, History history) {
        this.identity = setup.identity();
        this.roomKey = setup.roomKey();
        this.roomName = setup.room();
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lanchat-node");
            t.setDaemon(true);
            nodeThread = t;
            return t;
        });
        // the plugins reach the node thread through bounded doors; the node's own tasks (timers, dial results) do not
        // need one: there is at most one per peer and per dial
        Executor transportEvents = new BoundedExecutor(loop, TRANSPORT_EVENTS, "transport", this::eventsRefused);
        Executor discoveryEvents = new BoundedExecutor(loop, DISCOVERY_EVENTS, "discovery", this::eventsRefused);
        this.resources = new ResourceManager(setup.limits());
        // every transport with the same config: one resource manager and one event door, so limits are per node
        TransportConfig transportConfig = new TransportConfig(identity, transportEvents, setup.options(), resources, setup.roomKey().orElse(null));
        List<Transport> transports = new java.util.ArrayList<>();
        transports.add(setup.transport().create(transportConfig));
        setup.moreTransports().forEach(t -> transports.add(t.create(transportConfig)));
        this.transport = new NodeTransports(transports);
        this.discovery = setup.discovery().map(d -> d.create(new DiscoveryConfig(identity.peerId(), setup.discoveryName().orElseThrow(), discoveryEvents, setup.options())));
        this.peers = new PeerManager(identity.peerId(), transport, loop, events, setup.policy(), RandomGenerator.getDefault(), System::nanoTime);
        peers.setNick(setup.nick());
        if (discovery.isPresent()) peers.requireRoomMembership(ROOM_ADMISSION_GRACE);
        // a private room's log is named like its mDNS records (a keyed hash): apart from an open room of the same name
        this.room = new RoomWiring(new RoomConfig(setup.discoveryName().orElse(DIRECT_ROOM), identity, setup.nick(), history.dataDir(), history.limit(), history.age()),
                loop, peers, events);
        transport.registerProtocol(room.room().protocolHandler());
        peers.useRoom(room);
        transport.onInbound(peers::register);
    }

    /** The room key's fingerprint in a private room (never the key), for people to compare; empty in an open room. */
    public Optional<String> roomKeyFingerprint() {
        return roomKey.map(PreSharedKey::fingerprint);
    }

    /** The room's name as the user gave it ({@code --rendezvous}); empty for a node that only dials and is dialed. */
    public Optional<String> room() {
        return roomName;
    }

    /** Called on the refusing plugin's thread: one clean-up per burst of refusals, on the node thread. */
    private void eventsRefused() {
        if (closed || !cleanupArmed.compareAndSet(false, true)) return;
        try {
            loop.schedule(() -> {
                cleanupArmed.set(false);
                peers.forgetClosedSessions();
            }, AFTER_REFUSAL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shutDown) {
            // closing anyway
        }
    }

    /**
     * Listens, then starts discovery and dials the given peers. Returns the listen addresses.
     *
     * @throws ExecutionException when the transport cannot listen (e.g. the port is in use)
     * @throws IllegalStateException when the discovery cannot start
     */
    public List<Multiaddr> start(Multiaddr bind, List<Multiaddr> staticPeers) throws ExecutionException, InterruptedException, TimeoutException {
        return startTagged(bind, staticPeers.stream().map(TransportAddress::untagged).toList());
    }

    /**
     * {@link #start} with {@code --peer} addresses that may name their transport ({@link TransportAddress}); returns
     * the first transport's listen addresses ({@link #listening()}: every transport's).
     *
     * @throws IllegalArgumentException when an address names a transport this node does not run, or one that cannot dial it
     */
    public List<Multiaddr> startTagged(Multiaddr bind, List<TransportAddress> staticPeers) throws ExecutionException, InterruptedException, TimeoutException {
        staticPeers.forEach(transport::route);
        List<Multiaddr> addrs = transport.listen(bind).toCompletableFuture().get(10, TimeUnit.SECONDS);
        // on this thread, so that a discovery that cannot start (e.g. UDP 5353 unavailable) is an error the caller
        // sees; its events still arrive on the node thread (DiscoveryConfig.callbacks)
        discovery.ifPresent(d -> d.start(advertised(bind, addrs), transport.listenPorts(), e -> peers.onDiscovery(transport.discovered(e))));
        onLoop(() -> staticPeers.forEach(p -> peers.addStaticPeer(p.address())));
        return addrs;
    }

    /**
     * What discovery advertises: for a wildcard listener, the wildcard itself with the real port, so that discovery
     * can advertise on each interface the addresses it has now (interfaces come and go; a fixed list goes stale).
     */
    private List<Multiaddr> advertised(Multiaddr bind, List<Multiaddr> listening) {
        java.net.InetSocketAddress requested = bind.toTcpSocketAddress();
        if (requested.getAddress() == null || !requested.getAddress().isAnyLocalAddress() || listening.isEmpty()) return listening;
        int port = listening.get(0).withoutPeerId().toTcpSocketAddress().getPort();
        return List.of(Multiaddr.tcp(new java.net.InetSocketAddress(requested.getAddress(), port)).withPeerId(identity.peerId()));
    }

    /** Adds a protocol (file sharing…) to the transport; before {@link #start}. */
    public void registerProtocol(ProtocolHandler handler) {
        transport.registerProtocol(handler);
    }

    /**
     * The live session with {@code peer}, for protocols that open channels. Callable from any thread, the node's own
     * included (a protocol's channel events arrive there, and waiting for the node from it would never end).
     */
    public Optional<ChatSession> session(PeerId peer) {
        return Thread.currentThread() == nodeThread ? peers.session(peer) : call(() -> peers.session(peer));
    }

    public PeerManager.PeerInfo[] peers() {
        return call(() -> peers.connectedPeers().toArray(PeerManager.PeerInfo[]::new));
    }

    /**
     * Sends a line to the room: signed and kept in the room log (LAN Chat peers get it through the room protocol, now or
     * when they join; plain libp2p peers as a chat line), or, when longer than a room message may be, as a plain chat
     * line to every connected peer, not kept.
     *
     * @throws IllegalStateException when the room refuses it (e.g. "slow down": more lines a second than peers accept)
     */
    public Sent send(String text) {
        if (closed) throw new IllegalStateException("node is closed");
        // the room decides: kept in its log, or (too long, or no room log: SQLite cannot load here) a plain line, which
        // peers show unsigned; a node without history opens its log on this first line
        Room.Sent sent = await(room.room().send(ChatMessage.of(nick(), text)));
        return new Sent(sent.sessions(), sent.kept());
    }

    // ---- the room log (issue 14) ----

    /** The last {@code n} lines of the room, oldest first, as shown. */
    public List<NodeEvents.RoomLine> history(int n) {
        List<RoomMessage> found = await(room.room().history(n));
        return call(() -> found.stream().map(room::shown).toList());
    }

    /** Lines of the room containing {@code text} (FTS5 words, the last may be a prefix), newest first. */
    public List<NodeEvents.RoomLine> search(String text) {
        List<RoomMessage> found = await(room.room().search(text));
        return call(() -> found.stream().map(room::shown).toList());
    }

    /** Our lines not yet held by every member, and who lacks each. */
    public List<String> pending() {
        List<PendingMessage> found = await(room.room().pending());
        return call(() -> found.stream().map(room::pendingLine).toList());
    }

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(PeerManager.reason(e), e); // the room's own words: "slow down: …", "room … is closed"
        } catch (TimeoutException e) {
            throw new IllegalStateException("the room is not responding", e);
        }
    }

    public int ping() {
        return call(peers::pingAll);
    }

    public void setNick(String nick) {
        onLoop(() -> peers.setNick(nick));
        room.room().setNick(nick);
    }

    /** The rendezvous names discovery heard on the LAN in the last minute (the doctor's); empty without discovery. */
    public List<String> recentlyHeard() {
        return discovery.map(Discovery::recentlyHeard).orElse(List.of());
    }

    public String nick() {
        return call(peers::nick);
    }

    public Identity identity() { return identity; }

    /** What peers make this node hold now, against its limits (for /peers-style diagnostics and tests). */
    public ResourceManager resources() { return resources; }

    /**
     * Why this node cannot dial {@code address} (a tag naming a transport it does not run, or a transport that cannot
     * dial it), or empty when it can.
     */
    public Optional<String> cannotDial(TransportAddress address) {
        try {
            transport.transportFor(address);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Every transport's listen addresses, the first's untagged, the others' tagged with their name; after {@link #start}. */
    public List<TransportAddress> listening() { return transport.listening(); }

    /** The transports' names, comma-separated, the first first. */
    public String transportName() { return transport.name(); }

    /** Leaves the room (goodbye), tells every peer, closes sockets and threads; bounded by {@code timeout}. */
    public void close(Duration timeout) {
        if (closed) return;
        closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        discovery.ifPresent(Discovery::close);
        try {
            CompletableFuture<Void> sessions = CompletableFuture.supplyAsync(peers::close, loop).thenCompose(f -> f);
            sessions.get(Math.max(1, (deadline - System.nanoTime()) / 2), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            // peers that do not answer in time are cut off by closing the transport below
        }
        room.room().close(); // its channels, then its history (bounded)
        transport.close();
        loop.shutdownNow();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }

    private void onLoop(Runnable r) {
        if (!closed) loop.execute(r);
    }

    private <T> T call(java.util.concurrent.Callable<T> c) {
        try {
            return loop.submit(c).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("node is not responding: " + PeerManager.reason(e), e);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("node is closed", e);
        }
    }
}
