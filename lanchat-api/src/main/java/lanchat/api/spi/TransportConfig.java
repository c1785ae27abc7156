package lanchat.api.spi;

import java.util.Map;
import java.util.concurrent.Executor;

import lanchat.api.Identity;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.resource.ResourceLimits;
import lanchat.api.resource.ResourceManager;

/**
 * What a transport is created with.
 *
 * @param identity this node's key pair; every connection authenticates with it
 * @param callbacks where session and inbound events are delivered: it must run tasks one at a time, in the order
 *                  they were submitted (a single thread, as the app's node thread is), or session events could be
 *                  reordered; {@code Runnable::run} also keeps each session's order (events then run on its I/O
 *                  thread and must not block)
 * @param options transport-specific settings, e.g. {@code maxMessageBytes}; unknown keys are ignored
 * @param resources the node's resource manager, shared by its transports: every connection, stream and buffer a peer
 *                  can make us hold is reserved there first
 * @param privateNetwork the room key of a private room (libp2p PSK v1, issue 15): every connection is then protected
 *                       with it below everything else; null for an open room
 */
public record TransportConfig(Identity identity, Executor callbacks, Map<String, String> options, ResourceManager resources, PreSharedKey privateNetwork) {
    public TransportConfig {
        if (identity == null || callbacks == null || resources == null) throw new IllegalArgumentException("identity, callbacks and resources are required");
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** Without a room key. */
    public TransportConfig(Identity identity, Executor callbacks, Map<String, String> options, ResourceManager resources) {
        this(identity, callbacks, options, resources, null);
    }

    /** With a resource manager of its own, at the default limits (tests, tools: one transport per node). */
    public TransportConfig(Identity identity, Executor callbacks, Map<String, String> options) {
        this(identity, callbacks, options, new ResourceManager(ResourceLimits.DEFAULTS));
    }

    public int intOption(String key, int defaultValue) {
        String v = options.get(key);
        return v == null ? defaultValue : Integer.parseInt(v);
    }
}
