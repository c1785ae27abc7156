package lanchat.transport.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import lanchat.api.PeerId;
import lanchat.api.resource.ResourceLimitException;
import lanchat.api.resource.ResourceManager;
import lanchat.api.resource.ResourceManager.ConnectionScope;
import lanchat.api.resource.ResourceManager.StreamScope;
import lanchat.api.spi.Direction;

/**
 * How every TCP transport keeps its connections' accounts in the node's {@link ResourceManager}, the same way:
 * <ol>
 *   <li>{@link #open} before a byte is read: the transient scope and the source address's handshake slots, with room
 *   for the largest handshake frame ({@link #HANDSHAKE_BUFFER}) and, in a private room, the PSK layer's scratch array
 *   ({@link PrivateNetwork#SCRATCH_BYTES}, held until the connection closes); refused → the socket is closed at once;
 *   <li>{@link #secured} once the security handshake proved the peer: the account moves to the peer's scope (refused
 *   when the peer has as many connections as it may, or the node's memory is full) once the handshake's room is given back;
 *   <li>{@link #reserveStream} for every stream or channel the connection holds, for what it may buffer;
 *   <li>the account closes with the channel, giving everything back.
 * </ol>
 * The app's admission (the session's listener set) is {@link ConnectionScope#admit()}.
 */
public final class ConnectionAccounts {
    /** The account of a connection, on its channel. */
    public static final AttributeKey<ConnectionScope> ACCOUNT = AttributeKey.valueOf(ConnectionAccounts.class, "account");
    /** What a connection may hold before its handshake ends: one Noise frame at its largest (65535 bytes + length). */
    public static final long HANDSHAKE_BUFFER = 65535 + 2;

    private ConnectionAccounts() {}

    /**
     * Opens {@code ch}'s account; call from its initializer, before anything is read.
     *
     * @param target the dialed address (outbound; may be unresolved), null for an accepted connection
     * @throws ResourceLimitException when the node refuses it: the caller closes the channel and says why once
     */
    public static ConnectionScope open(ResourceManager resources, Channel ch, Direction direction, InetSocketAddress target) throws ResourceLimitException {
        InetAddress remote = target != null ? target.getAddress() : ((InetSocketAddress) ch.remoteAddress()).getAddress();
        ConnectionScope scope = resources.openConnection(direction, remote);
        // a private room's PSK layer (added before this) holds its scratch array for the connection's whole life
        long pnet = ch.pipeline().get(PrivateNetwork.class) != null ? PrivateNetwork.SCRATCH_BYTES : 0;
        if (!scope.reserveMemory(HANDSHAKE_BUFFER + pnet)) {
            scope.close();
            throw new ResourceLimitException("no memory left for connections in their handshake");
        }
        ch.attr(ACCOUNT).set(scope);
        ch.closeFuture().addListener(f -> scope.close());
        return scope;
    }

    /**
     * The handshake proved {@code peer}: the account moves to the peer's scope. The handshake's room is given back
     * first, while the account is still transient, so that only what the connection really holds moves into the node's
     * memory (a node whose memory is full refuses the move rather than pass its limit).
     */
    public static void secured(ConnectionScope scope, PeerId peer) throws ResourceLimitException {
        scope.releaseMemory(HANDSHAKE_BUFFER);
        scope.setPeer(peer);
    }

    /**
     * Reserves what one new stream (or protocol channel) may buffer, on the connection's account.
     *
     * @return what gives it back when the stream is gone, or empty when the connection, its peer or the node is at a
     *         limit (the caller refuses the stream)
     */
    public static Optional<Runnable> reserveStream(ConnectionScope scope, Direction direction, long bytes) {
        return openStream(scope, direction, bytes).map(stream -> stream::close);
    }

    /**
     * {@link #reserveStream}, keeping the stream's account open for more (a receive window that grows: {@link
     * StreamScope#reserveSpareMemory}); close it when the stream is gone.
     */
    public static Optional<StreamScope> openStream(ConnectionScope scope, Direction direction, long bytes) {
        StreamScope stream;
        try {
            stream = scope.openStream(direction);
        } catch (ResourceLimitException e) {
            return Optional.empty();
        }
        if (!stream.reserveMemory(bytes)) {
            stream.close();
            return Optional.empty();
        }
        return Optional.of(stream);
    }
}
