package lanchat.transport.libp2p.chat;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import lanchat.api.ChatMessage;
import lanchat.transport.libp2p.ConnectionContext;
import lanchat.transport.libp2p.StreamProtocol;
import lanchat.transport.libp2p.multistream.ProtocolsRefusedException;
import lanchat.transport.libp2p.nick.NickService;
import lanchat.api.spi.Direction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chat lines on {@code /chat/1.1.0} (or {@code /chat/1.0.0}) streams, newline-terminated, exactly as go-libp2p's chat
 * examples write them. The dialer opens a chat stream at once (a go listener waits for one); we send on the first chat
 * stream we have, opened by either side, and read every chat stream the peer opens.
 *
 * <p>Sending goes through a per-connection first-in, first-out outbox on the event loop: whatever the head message
 * needs first (our nick told to the peer, a chat stream negotiated, room in the stream's buffer) is waited for with
 * the whole queue behind it, so lines arrive in the order they were sent, never in the order futures complete.
 *
 * <p>A chat stream to a peer known to speak a chat protocol ({@link lanchat.transport.libp2p.KnownProtocols}: its
 * identify, or a chat stream it agreed to or opened, on this connection or an earlier one) is proposed lazily: that
 * protocol alone, and the first lines right behind the proposal, without waiting a round trip for the echo (as
 * go-libp2p does for protocols in its peerstore). Up to {@link #AHEAD_LIMIT} bytes of lines go out ahead of the
 * answer; they are kept, and their sends completed, only once the peer agreed. If it answers {@code na} (or drops the
 * stream) instead, those lines go back to the head of the outbox and this connection negotiates from then on: a new
 * stream proposing {@code /chat/1.1.0}, then {@code /chat/1.0.0}, one answer at a time.
 */
public final class ChatService implements StreamProtocol {
    private static final Logger log = LoggerFactory.getLogger(ChatService.class);
    /** Characters of lines the app may have waiting from one connection before its chat streams stop reading. */
    static final int DELIVERY_LIMIT = 256 * 1024;
    /**
     * Bytes of lines written on a lazily proposed chat stream before the peer's answer (at least one message is): they
     * are held until the answer, to be sent again if it is {@code na}.
     */
    static final int AHEAD_LIMIT = 64 * 1024;

    @Override
    public List<String> ids() {
        return ChatProtocol.PROPOSALS;
    }

    /**
     * A LAN Chat peer needs one chat stream, but go and js peers may open one per message or many at once (the
     * interop suite opens 64, the bench 100); go-libp2p sets no per-protocol limit either. What they may buffer is
     * bounded by the resource manager's per-connection and per-peer limits, not by this count.
     */
    @Override
    public int maxInboundStreams() {
        return 128;
    }

    @Override
    public PerConnection attach(ConnectionContext connection) {
        return new PerConnection(connection);
    }

    /** Chat on one connection; event loop only. */
    public static final class PerConnection implements Handler {
        private final ConnectionContext conn;
        private final int maxLineBytes;
        /** Chat streams opened by either side; we send on the first. */
        private final List<Channel> streams = new ArrayList<>();
        private CompletableFuture<Channel> sendStream;
        /** Messages not yet written, in the order send() was called, and their size. */
        private final ArrayDeque<Outgoing> outbox = new ArrayDeque<>();
        private long outboxBytes;
        /** True while the outbox waits for a step (a nick stream, a chat stream) before its head can go. */
        private boolean waiting;
        /** Lines are read once the app set a listener. */
        private boolean reading;
        /**
         * Characters of lines handed to the app and not yet processed by it. The app's thread takes its share off
         * directly (issue 16: a task back onto the event loop for every line woke it once per line); the event loop
         * is asked to resume only when reading was paused.
         */
        private final AtomicLong delivering = new AtomicLong();
        /** The chat streams stopped reading because the app lags (set on the event loop, read by the app's thread). */
        private volatile boolean paused;
        /** A resume is on its way to the event loop: the app's thread asks for it once per pause. */
        private final AtomicBoolean resumeAsked = new AtomicBoolean();
        /** The connection is closing: the outbox takes nothing new. */
        private boolean closing;
        private Runnable onDrained;
        /** The chat stream we proposed lazily and whose answer has not come yet; null otherwise. */
        private Channel proposed;
        private CompletableFuture<Void> proposedAgreed;
        /** Messages written on {@link #proposed} ahead of its answer, in order; sent again elsewhere if it is refused. */
        private final ArrayDeque<Outgoing> ahead = new ArrayDeque<>();
        private long aheadBytes;
        /** A lazy proposal failed on this connection: every later chat stream is negotiated. */
        private boolean negotiateOnly;

        PerConnection(ConnectionContext conn) {
            this.conn = conn;
            this.maxLineBytes = conn.host().settings().maxMessageBytes();
        }

        @Override
        public void started() {
            if (conn.session().direction() == Direction.OUTBOUND) sendStream(); // a go listener waits for our chat stream
        }

        @Override
        public void inbound(Channel stream, String protocolId) {
            add(stream);
        }

        /** The chat streams open now, either side's (tests, diagnostics). */
        public List<Channel> streams() {
            return streams;
        }

        /** The app set its listener: read every chat stream from now on. */
        public void startReading() {
            reading = true;
            resumeIfRoom();
        }

        /** Reads every chat stream again, if the app reads and little of what it was handed is still waiting. */
        private void resumeIfRoom() {
            resumeAsked.set(false);
            if (!reading || delivering.get() > DELIVERY_LIMIT / 2) return;
            paused = false;
            for (Channel s : streams) {
                if (s.config().isAutoRead()) continue;
                s.config().setAutoRead(true);
                s.read();
            }
        }

        /**
         * Hands a line to the app. Lines handed over but not yet processed are counted; beyond {@link #DELIVERY_LIMIT}
         * the chat streams stop reading (the peer's yamux window closes) until the app has caught up, so a peer that
         * sends faster than the app prints makes it buffer a bounded amount, not a queue of 1 MiB lines.
         */
        private void deliver(String line) {
            int bytes = line.length();
            ChatMessage m = new ChatMessage(conn.handler(NickService.PerConnection.class).remoteNick(), line);
            if (delivering.addAndGet(bytes) > DELIVERY_LIMIT && !paused) {
                paused = true;
                for (Channel s : streams) s.config().setAutoRead(false);
            }
            conn.emit(l -> {
                try {
                    l.onMessage(conn.session(), m);
                } finally {
                    processed(bytes);
                }
            });
        }

        /** On the app's thread: a line was processed; wakes the event loop only if reading waits for this. */
        private void processed(int bytes) {
            long left = delivering.addAndGet(-bytes);
            // paused is set before the line that crossed the limit is handed over, so a pause is never missed here
            if (paused && left <= DELIVERY_LIMIT / 2 && resumeAsked.compareAndSet(false, true)) {
                conn.channel().eventLoop().execute(this::resumeIfRoom);
            }
        }

        /** A message waiting in the outbox: its wire lines and the nick it carries. */
        private static final class Outgoing {
            final String nick;
            final List<byte[]> lines;
            final long bytes;
            final CompletableFuture<Void> done;
            /** Its last line's write, once written on a stream not yet agreed. */
            ChannelFuture written;

            Outgoing(String nick, List<byte[]> lines, CompletableFuture<Void> done) {
                this.nick = nick;
                this.lines = lines;
                this.bytes = lines.stream().mapToLong(l -> l.length).sum();
                this.done = done;
            }
        }

        /**
         * Queues a message already encoded by {@link ChatLineEncoder#wireLines} (on the sender's thread); called on the
         * event loop in the order the app called send.
         */
        public void enqueue(String nick, List<byte[]> lines, CompletableFuture<Void> done) {
            if (closing || !conn.channel().isActive()) {
                done.completeExceptionally(new IOException("session to " + conn.remotePeer() + " is closed"));
                return;
            }
            Outgoing out = new Outgoing(nick, lines, done);
            if (outboxBytes + out.bytes > 4L * maxLineBytes) {
                done.completeExceptionally(new IOException("peer " + conn.remotePeer().shortString() + " is not reading; send buffer full"));
                return;
            }
            outbox.add(out);
            outboxBytes += out.bytes;
            drain();
        }

        /**
         * Stops taking messages; {@code then} runs once every queued message is written (at once if none waits). The
         * caller bounds the wait (a peer that stopped reading must not hold a close open).
         */
        public void closeAfterDrain(Runnable then) {
            closing = true;
            if (outbox.isEmpty() && ahead.isEmpty()) then.run();
            else onDrained = then;
        }

        private void drain() {
            if (waiting) return; // the step in progress calls drain() again when it is done
            boolean wrote = false;
            Channel stream = null;
            NickService.PerConnection nicks = conn.handler(NickService.PerConnection.class);
            while (!outbox.isEmpty()) {
                Outgoing head = outbox.peek();
                if (nicks.needsAnnouncing(head.nick)) {
                    waitFor(nicks.announce(head.nick), wrote ? stream : null);
                    return;
                }
                CompletableFuture<Channel> s = sendStream();
                if (!s.isDone()) {
                    waitFor(s, wrote ? stream : null);
                    return;
                }
                if (s.isCompletedExceptionally()) {
                    Throwable err = s.handle((x, e) -> e).join();
                    fail(new IOException("cannot open a chat stream to " + conn.remotePeer().shortString() + ": " + err.getMessage(), err));
                    return;
                }
                Channel current = s.join();
                if (current != stream && wrote) stream.flush();
                stream = current;
                boolean lazy = current == proposed;
                if (lazy && !ahead.isEmpty() && aheadBytes + head.bytes > AHEAD_LIMIT) {
                    waitFor(proposedAgreed, wrote ? stream : null); // enough is out ahead of the peer's answer
                    return;
                }
                if (!stream.isWritable()) break; // Reader.channelWritabilityChanged (or the agreement) drains again
                outbox.poll();
                outboxBytes -= head.bytes;
                if (lazy) {
                    head.written = writeLines(stream, head);
                    ahead.add(head);
                    aheadBytes += head.bytes;
                } else {
                    write(stream, head);
                }
                wrote = true;
            }
            if (wrote) stream.flush();
            if (outbox.isEmpty() && ahead.isEmpty() && onDrained != null) {
                Runnable r = onDrained;
                onDrained = null;
                r.run();
            }
        }

        private static void write(Channel stream, Outgoing m) {
            completeWhenWritten(writeLines(stream, m), m);
        }

        /** Writes the message's lines (not flushed); returns the last one's write. */
        private static ChannelFuture writeLines(Channel stream, Outgoing m) {
            // wrapped, not copied: the same arrays can be written again on another stream after a refused proposal
            for (byte[] line : m.lines.subList(0, m.lines.size() - 1)) stream.write(Unpooled.wrappedBuffer(line), stream.voidPromise());
            return stream.write(Unpooled.wrappedBuffer(m.lines.get(m.lines.size() - 1)));
        }

        private static void completeWhenWritten(ChannelFuture written, Outgoing m) {
            written.addListener(w -> {
                if (w.isSuccess()) m.done.complete(null);
                else m.done.completeExceptionally(w.cause());
            });
        }

        /** Parks the outbox until {@code step} completes (flushing what was written before), then drains again. */
        private void waitFor(CompletableFuture<?> step, Channel flushFirst) {
            if (flushFirst != null) flushFirst.flush();
            waiting = true;
            step.whenComplete((x, e) -> conn.channel().eventLoop().execute(() -> {
                waiting = false;
                drain();
            }));
        }

        private void fail(Throwable cause) {
            Outgoing m;
            while ((m = ahead.poll()) != null) m.done.completeExceptionally(cause);
            aheadBytes = 0;
            while ((m = outbox.poll()) != null) m.done.completeExceptionally(cause);
            outboxBytes = 0;
        }

        @Override
        public void closed(Throwable cause) {
            fail(new IOException("session to " + conn.remotePeer() + " closed"));
        }

        /**
         * The stream we send on, opening one when there is none: proposed lazily when the peer is known to speak a chat
         * protocol (the stream is ready at once), else negotiated (ready after the peer's answers).
         */
        private CompletableFuture<Channel> sendStream() {
            if (sendStream != null) return sendStream;
            CompletableFuture<Channel> f = new CompletableFuture<>();
            sendStream = f;
            Optional<String> known = negotiateOnly ? Optional.empty()
                    : conn.host().knownProtocols().firstSpoken(conn.remotePeer(), ChatProtocol.PROPOSALS);
            if (known.isPresent()) {
                String protocol = known.get();
                conn.propose(protocol).whenComplete((p, err) -> {
                    if (err != null) {
                        if (sendStream == f) sendStream = null;
                        f.completeExceptionally(err);
                        return;
                    }
                    proposed = p.stream();
                    proposedAgreed = p.agreed();
                    p.stream().config().setWriteBufferWaterMark(conn.host().waterMark());
                    // runs inside the negotiation, before it leaves the pipeline: add() then sees the bytes after the echo
                    p.agreed().whenComplete((x, e) -> {
                        if (e == null) agreed(p.stream());
                        else refused(p.stream(), protocol, e);
                    });
                    f.complete(p.stream());
                });
                return f;
            }
            conn.openStream(ChatProtocol.PROPOSALS).whenComplete((s, err) -> {
                if (err != null) {
                    if (sendStream == f) sendStream = null;
                    f.completeExceptionally(err);
                } else {
                    add(s);
                    f.complete(s);
                }
            });
            return f;
        }

        /** The peer agreed to our lazy proposal: the stream is a chat stream like any other, and what went ahead is sent. */
        private void agreed(Channel stream) {
            if (proposed != stream) return;
            proposed = null;
            proposedAgreed = null;
            add(stream);
            for (Outgoing m : ahead) completeWhenWritten(m.written, m);
            ahead.clear();
            aheadBytes = 0;
            conn.channel().eventLoop().execute(this::drain);
        }

        /**
         * The peer refused our lazy proposal, or the stream ended before its answer: the lines written ahead go back to
         * the head of the outbox, and from now on this connection negotiates its chat streams.
         */
        private void refused(Channel stream, String protocol, Throwable cause) {
            if (proposed != stream) return;
            proposed = null;
            proposedAgreed = null;
            negotiateOnly = true;
            if (sendStream != null && sendStream.getNow(null) == stream) sendStream = null;
            stream.close();
            if (cause instanceof ProtocolsRefusedException) {
                log.info("{} refused {}, which it spoke before: negotiating the chat protocol again", conn.remotePeer().shortString(), protocol);
            } else {
                log.debug("chat stream to {} proposed lazily failed before its answer: {}", conn.remotePeer().shortString(), cause.getMessage());
            }
            for (Iterator<Outgoing> it = ahead.descendingIterator(); it.hasNext(); ) {
                Outgoing m = it.next();
                m.written = null;
                outbox.addFirst(m);
                outboxBytes += m.bytes;
            }
            ahead.clear();
            aheadBytes = 0;
            if (!conn.channel().isActive()) {
                fail(new IOException("session to " + conn.remotePeer() + " closed"));
                return;
            }
            conn.channel().eventLoop().execute(this::drain);
        }

        private void add(Channel stream) {
            stream.pipeline().addLast(new ChatLineDecoder(maxLineBytes), new ChatLineEncoder(), new Reader());
            // Netty's default (64 KiB high) would make one line larger than the peer's yamux window (256 KiB) turn the
            // stream unwritable until the peer has taken all of it, and sends queue up behind it meanwhile
            stream.config().setWriteBufferWaterMark(conn.host().waterMark());
            streams.add(stream);
            if (!reading || paused) stream.config().setAutoRead(false);
            if (sendStream == null) sendStream = CompletableFuture.completedFuture(stream);
            stream.closeFuture().addListener(f -> {
                streams.remove(stream);
                if (sendStream != null && sendStream.getNow(null) == stream) {
                    sendStream = null;
                    drain(); // what still waits goes on another stream
                }
            });
        }

        private final class Reader extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof String line) deliver(line);
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
                if (ctx.channel().isWritable()) drain();
                super.channelWritabilityChanged(ctx);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof ChannelInputShutdownEvent) ctx.close(); // the peer is done with this stream
                super.userEventTriggered(ctx, evt);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                if (cause instanceof TooLongFrameException) {
                    // only that line is lost: the decoder resumes after its end. Closing the stream would also lose the lines
                    // the peer sends before it learns of the close (and go's chat example never opens another stream)
                    log.warn("dropping a chat line from {}: {}", conn.remotePeer(), cause.getMessage());
                    return;
                }
                log.warn("closing chat stream with {}: {}", conn.remotePeer(), cause.getMessage());
                ctx.close(); // a bad stream costs that stream, not the connection
            }
        }
    }
}
