package lanchat.transport.netty;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.util.ReferenceCountUtil;
import lanchat.api.spi.ChatSession;
import lanchat.api.spi.Direction;
import lanchat.api.spi.ProtocolChannel;
import lanchat.api.spi.ProtocolHandler;
import lanchat.api.spi.ProtocolNotSupportedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol channels of one connection (wire format: {@link ChatFrameCodec}): opens and accepts them, routes
 * their frames, and schedules their writes. Event loop only, except {@link #open}.
 *
 * <p><b>Scheduling.</b> Channels with something to write (a chunk their credit allows, or their Close) wait in a
 * ready queue and are served round-robin, one chunk per turn, so that many channels share the connection fairly.
 * Chunks are written only while the socket is writable and while less than {@link #MAX_IN_FLIGHT} of them is written
 * but not yet on the socket: chat messages, which {@link NettyChatSession} writes first whenever it drains, and pings
 * never queue behind more than that in our outbound buffer, however large the transfers, and each scheduler pass
 * seals (encrypts) at most that much, so tasks queued on the event loop (a chat line, a ping) run in between.
 * Bytes already sealed cannot be overtaken, on our side or in the peer's socket buffer, so all channels together
 * also keep at most a shared bound sent and not yet credited back ({@link InFlightLimit}: {@link #MAX_UNCREDITED} on
 * 127.0.0.1 and fast links, more over a link whose round trip is long, while no queue builds): a chat line or a pong
 * travels behind at most that much bulk data (32 KiB is about 0.2 ms of ChaCha20-Poly1305 at 200 MB/s, 15 µs of AES-GCM) rather than
 * behind every channel's full window. The receiver credits in steps of {@link NettyProtocolChannel#CREDIT_STEP}, so the bound still keeps the
 * connection busy. Each channel may always have one such step outstanding, beyond the shared bound: remainders below
 * a step are never credited, and a channel whose app stops reading holds its credit for good, so without that floor
 * a few small messages on three channels, or one slow receiver, would stall every channel of the connection (review). The scheduler runs again when credit arrives, a send is queued, a chunk reaches the socket, or
 * the socket becomes writable.
 *
 * <p><b>Bounds.</b> Every peer input costs a bounded amount: channels per protocol ({@code maxInboundPerSession}; more
 * are refused), bytes per channel (the window, plus one message being assembled), work per frame. Broken channel
 * rules reset that channel and are logged once; a broken connection rule (an Open reusing an id) closes the
 * connection, as does a peer that keeps opening channels while not reading our refusals.
 */
final class ChannelMux {
    private static final Logger log = LoggerFactory.getLogger(ChannelMux.class);

    /** Chunk bytes written but not yet taken by the socket, beyond which the scheduler waits (and flushes). */
    static final int MAX_IN_FLIGHT = 32 * 1024;
    /**
     * Chunk bytes sent on all channels together and not yet credited back by the peer (on the wire, or read but not
     * yet credited), beyond which the scheduler waits for credit, on 127.0.0.1 and fast links ({@link InFlightLimit}
     * lets it grow over a link with a long round trip while nothing queues). It bounds what a chat line or pong can
     * queue behind (the goal: chat round trip during a transfer at most 2× idle), and caps one connection's
     * bulk throughput at this much per credit round trip (32 KiB per 0.15 ms is 220 MB/s, about what the cipher does
     * on JDK 17). Measured (BENCHMARKS.md): 64 KiB gave 2.0–2.7× idle, 32 KiB mostly 1.1–2.1×, with no loss of file
     * throughput; with AES-256-GCM again, 32 KiB was still best for both ({@link InFlightLimit#FLOOR}).
     */
    static final int MAX_UNCREDITED = InFlightLimit.FLOOR;
    /** What an older peer, which grants only once half a window is due, needs outstanding before it grants. */
    static final int LEGACY_GRANT_POINT = ChannelFrames.WINDOW / 2 + ChannelFrames.MAX_CHUNK + ChannelFrames.LENGTH_BYTES;
    /** How long an Open may wait for the peer's answer (a peer without channels ignores it). */
    static final long OPEN_TIMEOUT_MS = 10_000;

    private record Opening(ProtocolHandler protocol, CompletableFuture<ProtocolChannel> result, ScheduledFuture<?> timeout) {}

    private final Channel connection;
    private final ChatSession session;
    private final ProtocolRegistry protocols;
    private final Executor callbacks;
    private final Map<Integer, NettyProtocolChannel> channels = new HashMap<>();
    private final Map<Integer, Opening> opening = new HashMap<>();
    private final Map<String, Integer> inboundPerProtocol = new HashMap<>();
    private final ArrayDeque<NettyProtocolChannel> ready = new ArrayDeque<>();
    /** The id of our next Open: odd when we dialed, even when we accepted. */
    private long nextId;
    /** The peer's latest Open: its ids only grow. */
    private int lastPeerId;
    private long inFlight;
    /** Chunk bytes (credit spent) of all channels not yet granted back; see {@link #MAX_UNCREDITED}. */
    private long uncredited;
    /** The bound on {@link #uncredited}, from the credit round trips. */
    private final InFlightLimit inFlightLimit = new InFlightLimit();
    /** The peer granted less than half a window at least once: it credits in steps, so the bound holds for every channel. */
    private boolean peerGrantsInSteps;
    private boolean drainScheduled;
    private boolean draining;
    private IOException ended;

    /**
     * Reserves what one channel may make us buffer (its window and one message being assembled) on the connection's
     * account; empty when a limit is reached. See {@code ConnectionAccounts.reserveStream}.
     */
    interface Budget {
        Budget UNLIMITED = (direction, bytes) -> Optional.of(() -> { });

        Optional<Runnable> reserve(Direction direction, long bytes);
    }

    private final Budget budget;
    /** What each open channel reserved, by id; given back when it goes. */
    private final Map<Integer, Runnable> reservations = new HashMap<>();

    ChannelMux(Channel connection, ChatSession session, ProtocolRegistry protocols, Executor callbacks) {
        this(connection, session, protocols, callbacks, Budget.UNLIMITED);
    }

    ChannelMux(Channel connection, ChatSession session, ProtocolRegistry protocols, Executor callbacks, Budget budget) {
        this.budget = budget;
        this.connection = connection;
        this.session = session;
        this.protocols = protocols;
        this.callbacks = callbacks;
        this.nextId = session.direction() == Direction.OUTBOUND ? 1 : 2;
    }

    ChatSession session() {
        return session;
    }

    String peerName() {
        return session.remotePeer().shortString();
    }

    /** Opens a channel for a registered protocol; completes once the peer accepted it. Any thread. */
    CompletableFuture<ProtocolChannel> open(ProtocolHandler protocol) {
        CompletableFuture<ProtocolChannel> result = new CompletableFuture<>();
        if (!execute(() -> sendOpen(protocol, result))) result.completeExceptionally(new IOException("session to " + peerName() + " is closed"));
        return result;
    }

    private void sendOpen(ProtocolHandler protocol, CompletableFuture<ProtocolChannel> result) {
        if (ended != null) {
            result.completeExceptionally(ended);
            return;
        }
        if (nextId > Integer.MAX_VALUE) {
            result.completeExceptionally(new IOException("every channel id of this connection to " + peerName() + " has been used"));
            return;
        }
        int id = (int) nextId;
        nextId += 2;
        ScheduledFuture<?> timeout = schedule(() -> {
            Opening o = opening.remove(id);
            if (o == null) return;
            writeAndFlush(new ChatFrame.Reset(id)); // should the peer accept after all, it drops the channel
            o.result.completeExceptionally(new ProtocolNotSupportedException(peerName() + " did not answer an open of " + protocol.id() + " within " + OPEN_TIMEOUT_MS + " ms"));
        }, OPEN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        opening.put(id, new Opening(protocol, result, timeout));
        writeAndFlush(new ChatFrame.Open(id, protocol.id()));
    }

    // ---- frames from the peer ----

    /** Handles one channel frame, and releases it. */
    void onFrame(ChatFrame.ChannelFrame frame) {
        try {
            if (ended != null) return; // the session is going: nothing more is taken in
            if (frame instanceof ChatFrame.Open o) {
                onOpen(o);
            } else if (frame instanceof ChatFrame.Accept a) {
                onAccept(a.channel());
            } else if (frame instanceof ChatFrame.Refuse r) {
                onRefuse(r);
            } else {
                NettyProtocolChannel ch = channels.get(frame.channel());
                if (ch == null) return; // not open (any more): ignored
                if (frame instanceof ChatFrame.Data d) ch.onData(d);
                else if (frame instanceof ChatFrame.Credit c) ch.onCredit(c.bytes());
                else if (frame instanceof ChatFrame.Close) ch.onClose();
                else ch.onReset();
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void onOpen(ChatFrame.Open o) {
        int id = o.channel();
        boolean peerDialed = session.direction() == Direction.INBOUND;
        if ((id % 2 == 1) != peerDialed || id <= lastPeerId) {
            throw new CorruptedFrameException("channel open with id " + id + " (already used, or not the peer's to open)");
        }
        lastPeerId = id;
        ProtocolHandler protocol = protocols.find(o.protocol()).orElse(null);
        int inbound = protocol == null ? 0 : inboundPerProtocol.getOrDefault(protocol.id(), 0);
        Optional<Runnable> reserved = protocol == null || inbound >= protocol.limits().maxInboundPerSession()
                ? Optional.empty() : budget.reserve(Direction.INBOUND, bufferOf(protocol));
        if (reserved.isEmpty()) {
            if (!connection.isWritable()) throw new CorruptedFrameException("peer keeps opening channels without reading our refusals");
            String why = protocol == null ? "protocol not supported" : inbound >= protocol.limits().maxInboundPerSession() ? "too many channels of this protocol" : "resource limit";
            writeAndFlush(new ChatFrame.Refuse(id, why));
            log.debug("refused {} channel from {}: {}", o.protocol(), peerName(), why);
            return;
        }
        reservations.put(id, reserved.get());
        inboundPerProtocol.merge(protocol.id(), 1, Integer::sum);
        NettyProtocolChannel ch = new NettyProtocolChannel(this, id, protocol, Direction.INBOUND);
        channels.put(id, ch);
        writeAndFlush(new ChatFrame.Accept(id));
        callback(() -> {
            try {
                protocol.onInbound().accept(ch);
            } catch (RuntimeException e) {
                log.warn("the {} handler failed on a channel from {}: {}", protocol.id(), peerName(), e.toString());
                ch.reset();
            }
        });
    }

    private void onAccept(int id) {
        Opening o = opening.remove(id);
        if (o == null) return; // timed out meanwhile: our reset is on its way
        o.timeout.cancel(false);
        Optional<Runnable> reserved = budget.reserve(Direction.OUTBOUND, bufferOf(o.protocol));
        if (reserved.isEmpty()) {
            writeAndFlush(new ChatFrame.Reset(id));
            o.result.completeExceptionally(new IOException("resource limit: no room for another " + o.protocol.id() + " channel to " + peerName()));
            return;
        }
        reservations.put(id, reserved.get());
        NettyProtocolChannel ch = new NettyProtocolChannel(this, id, o.protocol, Direction.OUTBOUND);
        channels.put(id, ch);
        if (!o.result.complete(ch)) ch.reset(); // the opener gave up
    }

    private void onRefuse(ChatFrame.Refuse r) {
        Opening o = opening.remove(r.channel());
        if (o == null) return;
        o.timeout.cancel(false);
        o.result.completeExceptionally(new ProtocolNotSupportedException(peerName() + " refused a " + o.protocol.id() + " channel: " + r.reason()));
    }

    // ---- writing ----

    /** Queues {@code ch} for the scheduler if it has something to write. */
    void schedule(NettyProtocolChannel ch) {
        if (ch.scheduled || !ch.wantsWrite()) return;
        ch.scheduled = true;
        ready.add(ch);
        scheduleDrain();
    }

    /** Drains once the current event loop task is done, so that a burst of sends or credits shares one flush. */
    private void scheduleDrain() {
        if (drainScheduled) return;
        drainScheduled = true;
        execute(() -> {
            drainScheduled = false;
            drain();
        });
    }

    /** Writes ready chunks round-robin while the socket takes them, then flushes once. */
    void drain() {
        if (draining || ended != null) return;
        draining = true;
        boolean wrote = false;
        try {
            NettyProtocolChannel ch;
            ArrayDeque<NettyProtocolChannel> waitForCredit = null;
            while (inFlight < MAX_IN_FLIGHT && connection.isWritable() && (ch = ready.poll()) != null) {
                ch.scheduled = false;
                if (!ch.wantsWrite()) continue; // ended, or out of credit, since it was queued
                if (!withinUncreditedBound(ch)) {
                    if (waitForCredit == null) waitForCredit = new ArrayDeque<>();
                    waitForCredit.push(ch);
                    continue;
                }
                ch.writeNext();
                wrote = true;
                if (ch.wantsWrite()) {
                    ch.scheduled = true;
                    ready.add(ch);
                }
            }
            if (waitForCredit != null) {
                for (NettyProtocolChannel w : waitForCredit) { // pushed, so this puts them back in their order, first
                    w.scheduled = true;
                    ready.addFirst(w);
                }
            }
        } finally {
            draining = false;
        }
        if (wrote) connection.flush();
    }

    /**
     * Whether {@code ch} may write now under {@link #MAX_UNCREDITED}. A peer that grants credit only once half a
     * window is due (built before the bound) would never grant anything to a sender that stops at the bound: until
     * the peer has shown it grants in smaller steps, a channel may also write while it has less than that half (and
     * a chunk) outstanding itself. Once it has, a channel may still always have one credit step outstanding itself:
     * what the peer grants at the latest (see the class comment on why the shared bound alone could stall).
     */
    private boolean withinUncreditedBound(NettyProtocolChannel ch) {
        if (!ch.nextIsChunk()) return true; // a Close is no bulk data: it never waits for other channels' credit
        return uncredited < inFlightLimit.limit() || ch.spentCredit() < (peerGrantsInSteps ? NettyProtocolChannel.CREDIT_STEP : LEGACY_GRANT_POINT);
    }

    void writeChunk(SendQueue.Chunk chunk) {
        int bytes = chunk.frame().payload().readableBytes();
        inFlight += bytes;
        uncredited += chunk.cost();
        inFlightLimit.sent(chunk.cost(), now(), uncredited <= inFlightLimit.limit() + NettyProtocolChannel.CREDIT_STEP);
        connection.write(chunk.frame()).addListener(f -> {
            inFlight -= bytes;
            if (chunk.completes() != null) {
                if (f.isSuccess()) chunk.completes().complete(null);
                else chunk.completes().completeExceptionally(f.cause());
            }
            if (!ready.isEmpty()) scheduleDrain();
        });
    }

    /** Writes without flushing (the scheduler flushes). */
    void write(ChatFrame frame) {
        connection.write(frame);
    }

    /** Control frames go at once: they are small, and the peer may be waiting for them to send more. */
    void writeAndFlush(ChatFrame frame) {
        connection.writeAndFlush(frame);
    }

    /** The peer granted {@code bytes} of a channel's spent credit back. */
    void credited(int bytes) {
        if (bytes < ChannelFrames.WINDOW / 2) peerGrantsInSteps = true;
        inFlightLimit.settled(bytes, true, now());
        unspent(bytes);
    }

    /** A channel ended: its spent credit no longer counts, and will never come back. */
    void released(int bytes) {
        inFlightLimit.settled(bytes, false, now());
        unspent(bytes);
    }

    private void unspent(int bytes) {
        uncredited -= bytes;
        if (!ready.isEmpty()) scheduleDrain();
    }

    /** The event loop's clock: credit round trips are timed with it (an {@code EmbeddedChannel}'s can be frozen and moved). */
    private long now() {
        return connection.eventLoop().ticker().nanoTime();
    }

    // ---- channel bookkeeping ----

    /** What a channel of {@code p} may make us buffer: a window of chunks and one message being assembled. */
    private static long bufferOf(ProtocolHandler p) {
        return (long) ChannelFrames.WINDOW + p.limits().maxMessageBytes();
    }

    void remove(NettyProtocolChannel ch) {
        if (channels.remove(ch.id()) == null) return;
        Runnable release = reservations.remove(ch.id());
        if (release != null) release.run();
        if (ch.direction() == Direction.INBOUND) inboundPerProtocol.computeIfPresent(ch.protocol(), (id, n) -> n > 1 ? n - 1 : null);
    }

    /** Channels open on this connection (opened by either side). */
    int channelCount() {
        return channels.size();
    }

    void reportViolation(NettyProtocolChannel ch, String what) {
        log.warn("resetting {} channel #{} with {}: {}", ch.protocol(), ch.id(), peerName(), what);
    }

    /** The session ended: every channel and pending open ends with {@code cause}. Idempotent. */
    void end(IOException cause) {
        if (ended != null) return;
        ended = cause;
        for (Opening o : opening.values()) {
            o.timeout.cancel(false);
            o.result.completeExceptionally(cause);
        }
        opening.clear();
        for (NettyProtocolChannel ch : new ArrayList<>(channels.values())) ch.onSessionEnd(cause);
        ready.clear();
    }

    // ---- threads ----

    /** Runs {@code task} on the connection's event loop; false when that has shut down. */
    boolean execute(Runnable task) {
        try {
            connection.eventLoop().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return connection.eventLoop().schedule(task, delay, unit);
    }

    /** Runs app code on the callback executor, in order. */
    void callback(Runnable task) {
        callbacks.execute(task);
    }
}
