package lanchat.api.spi;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import lanchat.api.Multiaddr;

/**
 * Listens for and dials authenticated, encrypted connections to peers and presents each as a {@link ChatSession}.
 * A transport never decides whether to dial; the app does (see {@code lanchat.api.policy.DialArbiter}).
 *
 * <p>All methods are non-blocking; results complete on the transport's threads, and session events are delivered
 * on {@link TransportConfig#callbacks()}.
 */
public interface Transport extends AutoCloseable {
    /** The provider name, as in {@link TransportProvider#name()}. */
    String name();

    /** True when this transport can dial {@code address} (its protocols, not whether the peer is up). */
    boolean canDial(Multiaddr address);

    /**
     * Registers a protocol whose {@link ProtocolChannel}s this transport accepts from peers and may open to them.
     * Before {@link #listen}; one handler per id.
     *
     * @throws IllegalArgumentException when the id is taken (by another handler or by the transport itself)
     * @throws IllegalStateException after {@link #listen}
     */
    void registerProtocol(ProtocolHandler handler);

    /** Called with every authenticated inbound session. Set once, before {@link #listen}. */
    void onInbound(Consumer<ChatSession> handler);

    /**
     * Starts listening. Completes with the concrete addresses, each ending in {@code /p2p/<our id>}: one per
     * interface address when {@code bind} is a wildcard, and with the real port when it asked for port 0.
     */
    CompletionStage<List<Multiaddr>> listen(Multiaddr bind);

    /**
     * Dials, secures and authenticates a connection. When {@code address} ends in {@code /p2p/<id>}, the connection
     * fails unless the remote proves that identity.
     */
    CompletionStage<ChatSession> dial(Multiaddr address);

    /** Stops listening and closes every session, telling peers. Idempotent. */
    @Override
    void close();
}
