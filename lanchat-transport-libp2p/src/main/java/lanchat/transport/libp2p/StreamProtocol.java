package lanchat.transport.libp2p;

import java.util.List;

import io.netty.channel.Channel;

/**
 * One protocol spoken on the streams of a libp2p connection, registered once per transport in its
 * {@link ProtocolRegistry}: go-libp2p's {@code SetStreamHandler(id, handler)}, rust-libp2p's per-protocol
 * {@code ConnectionHandler}. The registry answers multistream-select for every registered id, refuses a peer's stream
 * beyond {@link #maxInboundStreams()}, lists the ids in identify, and hands each agreed stream to the protocol's
 * per-connection {@link Handler}. Adding a protocol is one class implementing this and one registration line.
 */
public interface StreamProtocol {
    /** The protocol ids this protocol answers to, preferred first (all of them are accepted from peers). */
    List<String> ids();

    /** Streams of this protocol the peer may have open towards us at once on one connection; more get {@code na}. */
    int maxInboundStreams();

    /** The protocol's state for one connection, made once the connection is upgraded (on its event loop). */
    Handler attach(ConnectionContext connection);

    /** The per-connection part of a protocol. All methods run on the connection's event loop. */
    interface Handler {
        /** The peer opened {@code stream} and agreed on {@code protocolId} (one of {@link #ids()}): take it over. */
        void inbound(Channel stream, String protocolId);

        /** Every protocol of the connection is attached: start what this side does unasked (e.g. ask identify). */
        default void started() {}

        /** The connection is gone; {@code cause} is null for an orderly close. Release what the handler holds. */
        default void closed(Throwable cause) {}
    }
}
