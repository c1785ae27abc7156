package lanchat.app.node;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import lanchat.api.Multiaddr;
import lanchat.api.PeerId;
import lanchat.api.spi.DiscoveryEvent;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.Transport;

/**
 * A node's transports seen as one (issue 14, {@code --transport libp2p,netty}): every protocol is registered on each,
 * inbound sessions of each go to the one {@link PeerManager} (which keeps one session per peer, whatever transport
 * it came by), and a dial goes to the transport the address was given for ({@link #route}), else to the first.
 *
 * <p>Listening: the first transport gets the requested port, the others each a free one (two transports cannot share
 * a TCP port: each speaks its own protocol from the first byte), on the same IPs. Discovery advertises the first
 * transport's addresses and every transport's port ({@link #listenPorts}); a discovered LAN Chat peer that said which
 * of its transports listens where is dialed with the first of ours it also runs ({@link #discovered}); a peer that
 * did not say (go, js, older nodes) with our first transport.
 */
public final class NodeTransports implements Transport {
    private final List<Transport> all;
    /** Addresses given with a transport's name ({@code netty:/ip4/…}), without their {@code /p2p/}: who dials them. */
    private final Map<Multiaddr, Transport> routes = new HashMap<>();
    private final Map<String, List<Multiaddr>> listening = new LinkedHashMap<>();
    /**
     * Discovered peers that said which transport listens where: each address of theirs we dial, without its peer id,
     * and the transport of ours that dials it. Replaced by each of the peer's reports, dropped when it is lost; at
     * most {@link #MAX_DISCOVERED} peers (discovery bounds its own table well below that).
     */
    private final Map<PeerId, Map<Multiaddr, Transport>> discoveredRoutes = new ConcurrentHashMap<>();
    static final int MAX_DISCOVERED = 1024;

    /** {@code transports}: the first dials untagged addresses, and those of discovered peers that did not say their transports. */
    public NodeTransports(List<Transport> transports) {
        if (transports.isEmpty()) throw new IllegalArgumentException("no transport");
        this.all = List.copyOf(transports);
    }

    public Transport first() { return all.get(0); }

    /**
     * The transport that dials {@code address}: the one its tag names, else the first.
     *
     * @throws IllegalArgumentException when the tag names a transport this node does not run, or that cannot dial it
     */
    public Transport transportFor(TransportAddress address) {
        Transport t = address.transport().map(name -> all.stream().filter(x -> x.name().equals(name)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("this node does not run the " + name + " transport (--transport " + names() + ")")))
                .orElse(first());
        if (!t.canDial(address.address())) throw new IllegalArgumentException("the " + t.name() + " transport cannot dial " + address.address());
        return t;
    }

    /** From now on {@code address} (with or without its peer id) is dialed with the transport it names. */
    public void route(TransportAddress address) {
        routes.put(address.address().withoutPeerId(), transportFor(address));
    }

    public String names() {
        return String.join(",", all.stream().map(Transport::name).toList());
    }

    @Override
    public String name() { return names(); }

    /**
     * What to dial of a discovered peer, as a report for the {@link PeerManager}: for a peer that said which transport
     * listens where, the addresses of the first of our transports it also runs (remembered: {@link #dial} uses that
     * transport for them), none when it runs none of ours; any other report as it is.
     */
    public DiscoveryEvent discovered(DiscoveryEvent event) {
        if (!(event instanceof DiscoveryEvent.PeerFound found) || found.byTransport().isEmpty()) {
            discoveredRoutes.remove(event.peer());
            return event;
        }
        if (!discoveredRoutes.containsKey(found.peer()) && discoveredRoutes.size() >= MAX_DISCOVERED) {
            return new DiscoveryEvent.PeerFound(found.peer(), List.of(), found.byTransport());
        }
        for (Transport t : all) {
            List<Multiaddr> theirs = found.byTransport().getOrDefault(t.name(), List.of()).stream().filter(t::canDial).toList();
            if (theirs.isEmpty()) continue;
            Map<Multiaddr, Transport> routesOfPeer = new HashMap<>();
            for (Multiaddr a : theirs) routesOfPeer.put(a.withoutPeerId(), t);
            discoveredRoutes.put(found.peer(), routesOfPeer);
            return new DiscoveryEvent.PeerFound(found.peer(), theirs, found.byTransport());
        }
        discoveredRoutes.remove(found.peer());
        return new DiscoveryEvent.PeerFound(found.peer(), List.of(), found.byTransport());
    }

    /** Each transport's TCP port, in order (what discovery says of us beside the first transport's addresses). */
    public Map<String, Integer> listenPorts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        synchronized (listening) {
            for (Map.Entry<String, List<Multiaddr>> e : listening.entrySet()) {
                e.getValue().stream().filter(Multiaddr::isPlainTcp).findFirst()
                        .ifPresent(a -> out.put(e.getKey(), a.toTcpSocketAddress().getPort()));
            }
        }
        return out;
    }

    /** The transport a given address or a discovered one was routed to, if any. */
    private Transport routed(Multiaddr address) {
        Transport t = routes.get(address.withoutPeerId());
        if (t != null) return t;
        Map<Multiaddr, Transport> ofPeer = address.peerId().map(discoveredRoutes::get).orElse(null);
        return ofPeer == null ? null : ofPeer.get(address.withoutPeerId());
    }

    /** Routed addresses by their transport, any other by the first (what a peer that did not say is dialed with). */
    @Override
    public boolean canDial(Multiaddr address) {
        Transport t = routed(address);
        return (t != null ? t : first()).canDial(address);
    }

    @Override
    public void registerProtocol(ProtocolHandler handler) {
        all.forEach(t -> t.registerProtocol(handler));
    }

    @Override
    public void onInbound(Consumer<ChatSession> handler) {
        all.forEach(t -> t.onInbound(handler));
    }

    /** Listens with each transport; completes with the first's addresses (the others: {@link #listening()}). */
    @Override
    public CompletionStage<List<Multiaddr>> listen(Multiaddr bind) {
        InetSocketAddress requested = bind.toTcpSocketAddress();
        Multiaddr anyPort = Multiaddr.tcp(new InetSocketAddress(requested.getAddress(), 0));
        List<CompletableFuture<List<Multiaddr>>> each = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) each.add(all.get(i).listen(i == 0 ? bind : anyPort).toCompletableFuture());
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(done -> {
            synchronized (listening) {
                for (int i = 0; i < all.size(); i++) listening.put(all.get(i).name(), each.get(i).join());
            }
            return each.get(0).join();
        });
    }

    /** Every transport's listen addresses, tagged with its name but for the first's; after {@link #listen}. */
    public List<TransportAddress> listening() {
        List<TransportAddress> out = new ArrayList<>();
        synchronized (listening) {
            boolean firstOne = true;
            for (Map.Entry<String, List<Multiaddr>> e : listening.entrySet()) {
                for (Multiaddr a : e.getValue()) out.add(firstOne ? TransportAddress.untagged(a) : TransportAddress.tagged(e.getKey(), a));
                firstOne = false;
            }
        }
        return out;
    }

    @Override
    public CompletionStage<ChatSession> dial(Multiaddr address) {
        Transport t = routed(address);
        return (t != null ? t : first()).dial(address);
    }

    @Override
    public void close() {
        all.forEach(Transport::close);
    }
}
