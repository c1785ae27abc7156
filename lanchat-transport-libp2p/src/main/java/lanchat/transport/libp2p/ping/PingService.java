package lanchat.transport.libp2p.ping;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import lanchat.transport.libp2p.ConnectionContext;
import lanchat.transport.libp2p.StreamProtocol;

/**
 * libp2p ping on a connection: we echo the peer's pings ({@link PingResponder}) and measure ours on one ping stream
 * at a time ({@link PingInitiator}), as the spec asks (at most one outbound ping stream per peer).
 */
public final class PingService implements StreamProtocol {
    /**
     * How long one ping stream serves: go-libp2p closes an inbound ping stream idle for 10 s (any after 30 s) and
     * js-libp2p any ping stream 10 s after it opened, so ours retire well before either.
     */
    public static final Duration STREAM_LIFETIME = Duration.ofSeconds(5);

    @Override
    public List<String> ids() {
        return List.of(PingProtocol.ID);
    }

    /**
     * go-libp2p allows 2 inbound ping streams per peer; we take two more, because a peer that opens a stream per ping
     * (older js) leaves each to close on its own. Each may hold a window of unread pings and their unsent echoes.
     */
    @Override
    public int maxInboundStreams() {
        return 4;
    }

    @Override
    public PerConnection attach(ConnectionContext connection) {
        return new PerConnection(connection);
    }

    /** Pings on one connection; event loop only. */
    public static final class PerConnection implements Handler {
        private final ConnectionContext conn;
        /** The ping stream in use, if any. */
        private CompletableFuture<PingInitiator> stream;

        PerConnection(ConnectionContext conn) {
            this.conn = conn;
        }

        @Override
        public void inbound(Channel s, String protocolId) {
            s.pipeline().addLast(new PingResponder());
        }

        /** One round trip, on the current ping stream or a new one. */
        public CompletableFuture<Duration> ping() {
            return pinger().thenCompose(PingInitiator::ping);
        }

        /**
         * The ping stream, opened on the first ping and used by the pings of the next {@link #STREAM_LIFETIME}, then
         * retired (the next ping opens another).
         */
        private CompletableFuture<PingInitiator> pinger() {
            if (stream != null) return stream;
            CompletableFuture<PingInitiator> f = new CompletableFuture<>();
            stream = f;
            conn.openStream(ids()).whenComplete((s, err) -> {
                if (err != null) {
                    if (stream == f) stream = null;
                    f.completeExceptionally(err);
                    return;
                }
                PingInitiator pinger = new PingInitiator();
                s.pipeline().addLast(pinger);
                s.closeFuture().addListener(c -> {
                    if (stream == f) stream = null;
                });
                s.eventLoop().schedule(() -> {
                    if (stream == f) stream = null;
                    pinger.retire(STREAM_LIFETIME);
                }, STREAM_LIFETIME.toMillis(), TimeUnit.MILLISECONDS);
                f.complete(pinger);
            });
            return f;
        }

        private List<String> ids() {
            return List.of(PingProtocol.ID);
        }
    }
}
