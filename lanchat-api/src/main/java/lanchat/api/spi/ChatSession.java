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
     * Sends one message. Completes when it has been written to the socket; fails when the session is closed
     * or the message exceeds the transport's limit. Writes are queued in order with a bounded queue.
     */
    CompletionStage<Void> send(ChatMessage message);

    /** Measures one round trip to the peer (the answer is read once a listener is set, like everything else). */
    CompletionStage<Duration> ping();

    /**
     * Sets the listener for this session's messages and close event. A session reads nothing from the peer until
     * then (so an app that is not ready exerts back-pressure instead of buffering); events that had already arrived
     * are delivered to it first, so nothing accepted is lost.
     */
    void setListener(SessionListener listener);

    /** Closes gracefully (the peer is told). Idempotent. */
    CompletionStage<Void> close();

    boolean isOpen();
}
