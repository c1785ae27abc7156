package lanchat.api.resource;

/**
 * What one scope may hold at once. A scope that may hold none of something has 0; "no limit" is not offered: every
 * scope is bounded.
 *
 * @param inboundConns connections the peer side opened
 * @param outboundConns connections we opened
 * @param inboundStreams streams (or protocol channels) the peer side opened
 * @param outboundStreams streams we opened
 * @param memory bytes buffered on behalf of the scope (receive windows, send queues, handshake frames)
 */
public record ScopeLimits(int inboundConns, int outboundConns, int inboundStreams, int outboundStreams, long memory) {
    public ScopeLimits {
        if (inboundConns < 0 || outboundConns < 0 || inboundStreams < 0 || outboundStreams < 0 || memory < 0) {
            throw new IllegalArgumentException("limits cannot be negative: " + this);
        }
    }

    public ScopeLimits withMemory(long bytes) {
        return new ScopeLimits(inboundConns, outboundConns, inboundStreams, outboundStreams, bytes);
    }
}
