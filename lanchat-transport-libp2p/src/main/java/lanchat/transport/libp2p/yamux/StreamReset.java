package lanchat.transport.libp2p.yamux;

/**
 * User event fired on a stream channel's pipeline when the peer reset it (RST), just before the channel
 * closes. Data still queued in either direction is discarded.
 */
public record StreamReset(int streamId) {}
