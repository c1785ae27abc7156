package lanchat.transport.netty;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import lanchat.api.spi.ProtocolHandler;

/**
 * The protocols the app registered with the transport, by id. Filled before the transport listens or dials; then
 * {@link #freeze()} publishes an immutable copy that the event loops read without locking.
 */
final class ProtocolRegistry {
    private final Map<String, ProtocolHandler> registering = new HashMap<>();
    private volatile Map<String, ProtocolHandler> frozen;

    synchronized void register(ProtocolHandler handler) {
        if (frozen != null) throw new IllegalStateException("protocols are registered before the transport listens or dials");
        if (registering.putIfAbsent(handler.id(), handler) != null) throw new IllegalArgumentException("protocol " + handler.id() + " is already registered");
    }

    /** No more registrations. Idempotent. */
    synchronized void freeze() {
        if (frozen == null) frozen = Map.copyOf(registering);
    }

    /** The handler for {@code id}; empty before {@link #freeze()} too. */
    Optional<ProtocolHandler> find(String id) {
        Map<String, ProtocolHandler> m = frozen;
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(id));
    }
}
