package lanchat.transport.libp2p;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.netty.channel.Channel;
import lanchat.api.PeerId;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.SessionListener;

/** What a protocol's per-connection {@link StreamProtocol.Handler} may use of its connection. */
public interface ConnectionContext {
    PeerId remotePeer();

    /** The secured TCP connection (its event loop runs every handler of this connection). */
    Channel channel();

    /** The connection as the app sees it. */
    ChatSession session();

    /** The transport's settings, identity and registered protocols. */
    Host host();

    /**
     * Opens a stream and negotiates the first of {@code protocols} the peer accepts; completes with the stream once
     * agreed (its pipeline holds nothing else yet), or fails (e.g. the peer said {@code na} to all).
     */
    CompletableFuture<Channel> openStream(List<String> protocols);

    /**
     * A stream proposed lazily: {@code stream} may be written to at once (its pipeline holds only the negotiation);
     * {@code agreed} completes, on the event loop, when the peer echoes the proposal, or fails when it refuses it
     * ({@link lanchat.transport.libp2p.multistream.ProtocolsRefusedException}), resets the stream or goes away. Whatever
     * was written before a failure is lost: the caller keeps it to send again.
     */
    record Proposal(Channel stream, CompletableFuture<Void> agreed) {}

    /**
     * Opens a stream and proposes {@code protocol} alone, without waiting for the answer (multistream-select's lazy
     * mode: data may follow a single proposal at once). For protocols the peer is known to speak
     * ({@link Host#knownProtocols()}): a {@code na} costs the data written ahead. Completes once the proposal is
     * written, i.e. at once on the event loop.
     */
    CompletableFuture<Proposal> propose(String protocol);

    /** Another protocol's handler on this connection (e.g. chat asks the nick protocol to announce a nick). */
    <T extends StreamProtocol.Handler> T handler(Class<T> type);

    /** Delivers a session event to the app's listener, in order, once a listener is set. */
    void emit(Consumer<SessionListener> event);

    /** True while the app may use the connection (not closed, not closing). */
    boolean isOpen();
}
