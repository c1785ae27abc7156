package lanchat.it.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import lanchat.api.ChatMessage;
import lanchat.api.Identity;
import lanchat.api.Multiaddr;
import lanchat.api.spi.ChannelListener;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Plugins;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.SessionListener;
import lanchat.api.spi.Transport;
import lanchat.api.spi.TransportConfig;
import lanchat.room.Room;
import lanchat.room.wire.Envelope;
import lanchat.room.wire.Frame;
import lanchat.room.wire.MessageBody;
import lanchat.room.wire.Rejection;
import lanchat.room.wire.SignedMessage;

/**
 * A room member written from the project's own pieces, so that a test can make it misbehave: the libp2p transport
 * (found through {@link Plugins}, as the app finds it) dials a real node process, opens {@code /lanchat/room/1.0.0}
 * and speaks it with the room's own codecs ({@link Frame}, {@link MessageBody}, {@link SignedMessage},
 * {@link Envelope}). It sends an empty SUMMARY (it holds nothing of others), answers WANTs from what it signed, and
 * records every envelope the node sends it. What it sends beyond that is up to the test: {@link #sign} for honest
 * messages, {@link #withText} to change a signed message's text after signing.
 *
 * <p>Bounded: every wait has a timeout; at most {@link #MAX_RECORDED} envelopes are recorded.
 */
final class RoomTestPeer implements AutoCloseable {
    static final int MAX_RECORDED = 10_000;
    static final long WAIT_S = 20;

    final Identity identity = Identity.generate();
    private final String room;
    private final String nick;
    private final ExecutorService callbacks = Executors.newSingleThreadExecutor();
    private final Transport transport;
    /** What we signed and sent honestly, by seq: the answer to a WANT for our own lines. */
    private final Map<Long, SignedMessage> mine = new TreeMap<>();
    private final List<SignedMessage> recorded = new ArrayList<>();
    private final List<ChatMessage> plainLines = new ArrayList<>();
    private ChatSession session;
    private ProtocolChannel channel;
    private long lastHlc;

    RoomTestPeer(String room, String nick) {
        this.room = room;
        this.nick = nick;
        transport = Plugins.installed().transport("libp2p").create(new TransportConfig(identity, callbacks, Map.of()));
        // we open the room channel (the dialer does); a second one from the node is not needed
        transport.registerProtocol(new ProtocolHandler(Room.PROTOCOL_ID, Room.CHANNEL_LIMITS, ProtocolChannel::reset));
        transport.onInbound(ChatSession::close);
    }

    String peerId() {
        return identity.peerId().toString();
    }

    /** Dials {@code address} (a node's {@code Listening on} address), opens the room channel and sends our (empty) SUMMARY. */
    void connect(String address) throws Exception {
        session = transport.dial(Multiaddr.parse(address)).toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        session.setListener(new SessionListener() {
            @Override
            public void onMessage(ChatSession s, ChatMessage message) {
                synchronized (RoomTestPeer.this) {
                    if (plainLines.size() < MAX_RECORDED) plainLines.add(message);
                }
            }

            @Override
            public void onClosed(ChatSession s, Throwable cause) {
            }
        });
        channel = session.openChannel(Room.PROTOCOL_ID).toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        channel.setListener(new ChannelListener() {
            @Override
            public CompletionStage<?> onMessage(ProtocolChannel ch, byte[] message) {
                onFrame(message);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void onClosed(ProtocolChannel ch, Throwable cause) {
            }
        });
        send(new Frame.Summary(room, List.of(), false));
    }

    private void onFrame(byte[] bytes) {
        Frame f;
        try {
            f = Frame.decode(bytes);
        } catch (Rejection r) {
            throw new AssertionError("the node sent a frame its own codec rejects: " + r.getMessage(), r);
        }
        if (f instanceof Frame.Messages m) {
            synchronized (this) {
                for (byte[] e : m.envelopes()) if (recorded.size() < MAX_RECORDED) recorded.add(SignedMessage.trusted(e));
                notifyAll();
            }
        } else if (f instanceof Frame.Want w && w.author().equals(identity.peerId())) {
            List<byte[]> held = new ArrayList<>();
            synchronized (this) {
                for (SignedMessage m : mine.values()) if (m.seq() >= w.from() && m.seq() <= w.to() && held.size() < w.limit()) held.add(m.envelope());
            }
            send(new Frame.Messages(held, true, List.of(new Frame.Done(w.author(), w.to()))));
        } else if (f instanceof Frame.Want w) {
            send(new Frame.Messages(List.of(), true, List.of(new Frame.Done(w.author(), 0)))); // we hold nobody else's
        }
    }

    /** An honest message of ours: a fresh hybrid-clock stamp, signed. */
    synchronized SignedMessage sign(long seq, String text) {
        long hlc = Math.max(System.currentTimeMillis() << 16, lastHlc + 1);
        lastHlc = hlc;
        return SignedMessage.sign(identity, new MessageBody(room, identity.publicKey(), seq, hlc, System.currentTimeMillis(), nick, text, Optional.empty()));
    }

    /** {@code m}'s envelope with its text replaced after signing: the signature no longer covers the body. */
    static byte[] withText(SignedMessage m, String text) throws Rejection {
        MessageBody b = m.body();
        MessageBody changed = new MessageBody(b.room(), b.authorKey(), b.seq(), b.hlc(), b.sentAt(), b.nick(), text, b.relayedFrom());
        return new Envelope(changed.encode(), Envelope.decode(m.envelope()).signature()).encode();
    }

    /** Sends an honest message of ours as a live MESSAGES frame (and remembers it for WANTs). */
    void post(SignedMessage m) throws Exception {
        synchronized (this) {
            mine.put(m.seq(), m);
        }
        sendLive(m.envelope());
    }

    /** Sends envelopes as one live MESSAGES frame, whatever they hold. */
    void sendLive(byte[]... envelopes) throws Exception {
        send(new Frame.Messages(List.of(envelopes), false, List.of())).toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
    }

    private CompletionStage<Void> send(Frame f) {
        return channel.send(Frame.encode(f));
    }

    /** The first recorded message (sent to us by the node) that matches, waiting up to {@link #WAIT_S}. */
    synchronized SignedMessage awaitMessage(Predicate<SignedMessage> match, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (true) {
            for (SignedMessage m : recorded) if (match.test(m)) return m;
            long left = end - System.nanoTime();
            if (left <= 0) throw new AssertionError("the test peer was not sent " + what + " within " + WAIT_S + " s; it got " + texts());
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** How many recorded messages match. */
    synchronized long count(Predicate<SignedMessage> match) {
        return recorded.stream().filter(match).count();
    }

    synchronized List<String> texts() {
        return recorded.stream().map(m -> m.body().text()).toList();
    }

    synchronized List<ChatMessage> plainLines() {
        return List.copyOf(plainLines);
    }

    boolean channelOpen() {
        return channel != null && channel.isOpen();
    }

    @Override
    public void close() {
        if (session != null) session.close();
        transport.close();
        callbacks.shutdownNow();
    }
}
