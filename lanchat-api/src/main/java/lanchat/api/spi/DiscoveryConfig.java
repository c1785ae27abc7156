package lanchat.api.spi;

import java.util.Map;
import java.util.concurrent.Executor;

import lanchat.api.PeerId;

/**
 * What a discovery is created with.
 *
 * @param self our peer id: records carrying it are ours and ignored
 * @param room the rendezvous name; only peers advertising the same room are reported
 * @param callbacks where events are delivered
 */
public record DiscoveryConfig(PeerId self, String room, Executor callbacks, Map<String, String> options) {
    public DiscoveryConfig {
        if (self == null || room == null || callbacks == null) throw new IllegalArgumentException("self, room and callbacks are required");
        options = options == null ? Map.of() : Map.copyOf(options);
    }
}
