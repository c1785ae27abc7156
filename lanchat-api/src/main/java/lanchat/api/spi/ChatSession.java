package lanchat.api.spi;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import lanchat.api.ChatMessage;
import lanchat.api.Multiaddr;
import lanchat.api.PeerId;

/** A live, authenticated chat connection to one peer. */
public interface ChatSession {
    /** The peer id the handshake proved. */
    PeerId remotePeer();

    /** The remote socket address as a multiaddr (without {@code /p2p}). */
    Multiaddr remoteAddress();

    Direction direction();

    /** The transport's name, for {@code /peers}. */
    String transport();

    /**
     * An identifier of this connection that both ends compute alike (e.g. from the handshake hash); used to pick
     * the same survivor on both ends when two connections join the same pair of peers.
     */
    String connectionId();

    /**
     * Sends one message. Completes when it has been written to the socket; fails when the session is closed, the
     * message exceeds the transport's limit, or the bounded queue of messages waiting for the peer is full.
     *
     * <p><b>Order:</b> messages sent on one session arrive in the order {@code send} was called, whatever happens
     * underneath (a stream still being negotiated, a nick announcement, a stream being replaced, back-pressure) and
     * whichever threads the calls come from, as long as each call returns before the next is made. Transports keep a
     * per-session first-in, first-out queue on the connection's event loop; nothing may depend on the order in which
     * futures complete. A {@link #close()} called after a send lets that send go out first (within a bounded time).
     */
    CompletionStage<Void> send(ChatMessage message);

    /**
     * Measures one round trip to the peer. The peer's transport answers by itself, whether or not its app has set a
     * listener, and only after it has taken in every message whose {@code send} had completed before the ping was
     * called.
     */
    CompletionStage<Duration> ping();

    /**
     * Sets the listener for this session's messages and close event. Until then a session holds at most a small,
     * bounded amount of the peer's messages and then stops reading them (so an app that is not ready exerts
     * back-pressure instead of buffering); events that had already arrived are delivered to it first, in order, so
     * nothing accepted is lost.
     */
    void setListener(SessionListener listener);

    /**
     * Opens a {@link ProtocolChannel} to the peer for a protocol registered with this session's transport
     * ({@link Transport#registerProtocol}; its limits apply). Completes once the peer accepted it; fails with
     * {@link ProtocolNotSupportedException} when the peer does not speak the protocol or refuses another channel of it,
     * and with {@link IllegalArgumentException} when the protocol is not registered here.
     */
    CompletionStage<ProtocolChannel> openChannel(String protocolId);

    /** Closes gracefully (the peer is told). Idempotent. */
    CompletionStage<Void> close();

    boolean isOpen();
}
