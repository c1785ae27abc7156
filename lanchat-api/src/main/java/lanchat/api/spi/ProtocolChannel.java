package lanchat.api.spi;

import java.util.concurrent.CompletionStage;

/**
 * A bidirectional channel of messages between two peers for one named protocol, inside a {@link ChatSession}: what
 * features above the transport (room history, file transfer) are written on, once for every transport. The libp2p
 * transport carries each channel on its own yamux stream negotiated by multistream-select, messages framed with an
 * unsigned-varint length; the netty transport on a channel id of its own multiplexer. Open one with
 * {@link ChatSession#openChannel}; accept them by registering a {@link ProtocolHandler} with the transport.
 *
 * <p><b>Order and back-pressure.</b> Messages arrive whole, in the order {@link #send} was called. A send completes
 * once the message is handed to the connection, which happens only as fast as the peer reads: a sender that waits
 * for its sends (or keeps a few in flight) goes at the pace of the receiver. At most
 * {@link ChannelLimits#sendBufferBytes()} may wait unsent; beyond that {@code send} fails at once. On the receiving
 * side, messages are delivered to the listener on the transport's callback executor; while more than
 * {@link ChannelLimits#receiveBufferBytes()} are delivered but not yet done with by the listener, the channel stops
 * reading, which stops the sender. Nothing is read before a listener is set.
 *
 * <p><b>Closing.</b> {@link #close()} by either side ends the channel gracefully: the messages both sides sent before
 * are delivered, then both listeners get {@code onClosed(channel, null)}. {@link #reset()} aborts it: unsent messages
 * are dropped and the peer's listener gets {@code onClosed} with a cause. The channel also ends, with a cause, when
 * the session does.
 */
public interface ProtocolChannel {
    /** The protocol id agreed for this channel, e.g. {@code /lanchat/example/1.0.0}. */
    String protocol();

    /** The session this channel belongs to (its peer, transport and address). */
    ChatSession session();

    /** {@link Direction#OUTBOUND} if this side opened it. */
    Direction direction();

    /**
     * Sends one message of at most the protocol's {@link ChannelLimits#maxMessageBytes()} (the array is not copied:
     * do not change it afterwards). Completes when handed to the connection; fails when the channel is closed, the
     * message is too large, or the send buffer is full.
     */
    CompletionStage<Void> send(byte[] message);

    /** Sets the listener and starts reading; messages that arrived before are delivered to it first. Set once. */
    void setListener(ChannelListener listener);

    /** Ends the channel gracefully once every message sent before is written; completes when both sides are done. */
    CompletionStage<Void> close();

    /** Aborts the channel: unsent messages are dropped, the peer is told. */
    void reset();

    /** False once the channel was closed or reset by either side, or its session ended. */
    boolean isOpen();
}
