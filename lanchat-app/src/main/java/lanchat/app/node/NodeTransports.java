package lanchat.app.node;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import lanchat.api.Multiaddr;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.Transport;

/**
 * A node's transports seen as one (issue 14, {@code --transport libp2p,netty}): every protocol is registered on each,
 * inbound sessions of each go to the one {@link PeerManager} (which keeps one session per peer, whatever transport
 * it came by), and a dial goes to the transport the address was given for ({@link #route}), else to the first.
 *
 * <p>Listening: the first transport gets the requested port, the others each a free one (two transports cannot share
 * a TCP port: each speaks its own protocol from the first byte). Discovery advertises and dials with the first
 * transport only ({@link #canDial}): an mDNS record carries no transport name yet.
 */
public final class NodeTransports implements Transport {
    private final List<Transport> all;
    /** Addresses given with a transport's name ({@code netty:/ip4/…}), without their {@code /p2p/}: who dials them. */
    private final Map<Multiaddr, Transport> routes = new HashMap<>();
    private final Map<String, List<Multiaddr>> listening = new LinkedHashMap<>();

    /** {@code transports}: the first is the one untagged and discovered addresses are dialed with. */
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

    /** Discovered addresses are dialed with the first transport: only its addresses are advertised. */
    @Override
    public boolean canDial(Multiaddr address) { return first().canDial(address); }

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
        return routes.getOrDefault(address.withoutPeerId(), first()).dial(address);
    }

    @Override
    public void close() {
        all.forEach(Transport::close);
    }
}
