package lanchat.transport.libp2p.channel;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.netty.channel.Channel;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.ProtocolNotSupportedException;
import lanchat.transport.libp2p.ConnectionContext;
import lanchat.transport.libp2p.StreamProtocol;
import lanchat.transport.libp2p.multistream.MultistreamProtocolException;

/**
 * A protocol the app registered ({@link ProtocolHandler}) carried on libp2p streams: each {@link ProtocolChannel} is
 * one yamux stream negotiated by multistream-select, each message an unsigned-varint length and its bytes (the usual
 * libp2p framing). See {@link StreamChannel} for flow control and closing.
 */
public final class ChannelService implements StreamProtocol {
    private final ProtocolHandler handler;

    public ChannelService(ProtocolHandler handler) {
        this.handler = handler;
    }

    public ProtocolHandler handler() {
        return handler;
    }

    @Override
    public List<String> ids() {
        return List.of(handler.id());
    }

    @Override
    public int maxInboundStreams() {
        return handler.limits().maxInboundPerSession();
    }

    @Override
    public PerConnection attach(ConnectionContext connection) {
        return new PerConnection(connection);
    }

    /** This protocol's channels on one connection; event loop only. */
    public final class PerConnection implements Handler {
        private final ConnectionContext conn;

        PerConnection(ConnectionContext conn) {
            this.conn = conn;
        }

        @Override
        public void inbound(Channel stream, String protocolId) {
            StreamChannel ch = new StreamChannel(conn, stream, handler, Direction.INBOUND);
            conn.host().callbacks().execute(() -> handler.onInbound().accept(ch));
        }

        /** Opens a stream for this protocol; completes with the channel once the peer agreed. */
        public CompletableFuture<ProtocolChannel> open() {
            return conn.openStream(ids()).handle((stream, err) -> {
                if (err == null) return (ProtocolChannel) new StreamChannel(conn, stream, handler, Direction.OUTBOUND);
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
                if (cause instanceof MultistreamProtocolException) {
                    throw new java.util.concurrent.CompletionException(new ProtocolNotSupportedException(
                            conn.remotePeer().shortString() + " does not accept " + handler.id() + " now: " + cause.getMessage()));
                }
                throw new java.util.concurrent.CompletionException(new IOException("cannot open " + handler.id() + " to " + conn.remotePeer().shortString() + ": " + cause.getMessage(), cause));
            });
        }
    }
}
