package lanchat.transport.libp2p.yamux;

/**
 * User event fired on the connection's pipeline when the peer sent Go Away. {@code code} is the raw value
 * ({@link GoAwayCode#of} maps the defined ones). After a normal Go Away, existing streams carry on but no new
 * stream can be opened; after an error code the session closes the connection.
 */
public record GoAwayReceived(long code) {}
