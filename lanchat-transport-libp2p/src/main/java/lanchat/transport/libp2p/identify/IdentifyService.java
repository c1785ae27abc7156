package lanchat.transport.libp2p.identify;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import io.netty.channel.Channel;
import lanchat.api.Multiaddr;
import lanchat.transport.libp2p.ConnectionContext;
import lanchat.transport.libp2p.StreamProtocol;
import lanchat.transport.libp2p.wire.VarintFrameDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identify ({@code /ipfs/id/1.0.0}) and identify-push ({@code /ipfs/id/push/1.0.0}): we answer the peer's requests
 * with what we are (agent, key, listen addresses, every registered protocol), ask the peer once per connection, and
 * take its pushes. What the peer said is kept for the other protocols (e.g. whether it speaks the nick protocol).
 */
public final class IdentifyService implements StreamProtocol {
    private static final Logger log = LoggerFactory.getLogger(IdentifyService.class);

    @Override
    public List<String> ids() {
        return List.of(IdentifyProtocol.ID, IdentifyProtocol.PUSH);
    }

    /** go-libp2p allows 16 identify streams per peer; a peer needs one at a time. */
    @Override
    public int maxInboundStreams() {
        return 4;
    }

    @Override
    public PerConnection attach(ConnectionContext connection) {
        return new PerConnection(connection);
    }

    /** Identify on one connection. */
    public static final class PerConnection implements Handler {
        private final ConnectionContext conn;
        private volatile IdentifyMessage remote;

        PerConnection(ConnectionContext conn) {
            this.conn = conn;
        }

        /** What the peer said of itself, once known (empty before, or when it never answered). */
        public Optional<IdentifyMessage> remote() {
            return Optional.ofNullable(remote);
        }

        @Override
        public void started() {
            conn.openStream(List.of(IdentifyProtocol.ID)).thenAccept(stream -> read(stream, "identify")).exceptionally(err -> {
                log.debug("{} does not answer identify: {}", conn.remotePeer(), err.getMessage());
                return null;
            });
        }

        @Override
        public void inbound(Channel stream, String protocolId) {
            if (protocolId.equals(IdentifyProtocol.ID)) stream.pipeline().addLast(new IdentifyResponder(this::ours));
            else read(stream, "identify push");
        }

        private void read(Channel stream, String what) {
            IdentifyReader reader = new IdentifyReader();
            stream.pipeline().addLast(new VarintFrameDecoder(IdentifyProtocol.MAX_MESSAGE), reader);
            reader.result().whenComplete((m, err) -> {
                if (m != null) {
                    remote = m;
                    conn.host().knownProtocols().identified(conn.remotePeer(), m.protocols());
                } else log.debug("{} of {} failed: {}", what, conn.remotePeer(), err.getMessage());
            });
        }

        private IdentifyMessage ours() {
            var t = conn.host();
            return new IdentifyMessage(Optional.of(IdentifyMessage.PROTOCOL_VERSION), Optional.of(t.settings().agentVersion()),
                    Optional.of(t.identity().publicKey().encode()), t.listenAddrs(),
                    Optional.of(Multiaddr.tcp((InetSocketAddress) conn.channel().remoteAddress())), t.protocolIds());
        }
    }
}
