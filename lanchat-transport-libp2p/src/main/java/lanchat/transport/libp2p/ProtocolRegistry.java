package lanchat.transport.libp2p;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The protocols a transport speaks on streams, by id. Filled before the transport listens (then only read, from any
 * event loop: {@link #freeze()} makes that safe).
 */
final class ProtocolRegistry {
    private final Map<String, StreamProtocol> byId = new LinkedHashMap<>();
    private final List<StreamProtocol> protocols = new ArrayList<>();
    private volatile boolean frozen;

    /** Adds {@code p} under each of its ids. */
    synchronized ProtocolRegistry register(StreamProtocol p) {
        if (frozen) throw new IllegalStateException("protocols are registered before the transport listens or dials");
        for (String id : p.ids()) {
            if (byId.containsKey(id)) throw new IllegalArgumentException("protocol " + id + " is already registered");
        }
        for (String id : p.ids()) byId.put(id, p);
        protocols.add(p);
        return this;
    }

    /** No more registrations: from now on the registry is read from the event loops. */
    synchronized void freeze() {
        frozen = true;
    }

    Optional<StreamProtocol> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** In registration order. */
    List<StreamProtocol> protocols() {
        return protocols;
    }

    /** Every id, sorted (identify's list and multistream's {@code ls}). */
    List<String> ids() {
        return byId.keySet().stream().sorted().toList();
    }
}
