package lanchat.transport.libp2p.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import lanchat.transport.libp2p.wire.UnsignedVarint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Negotiates one protocol with multistream-select 1.0.0 ({@value #PROTOCOL_ID}), then leaves the pipeline.
 *
 * <p>Every message is a UTF-8 line, newline included, prefixed with its length as an unsigned varint:
 *
 * <pre>
 * +----------------+---------------------------+------+
 * | varint length  | UTF-8 text (no '\n')      | '\n' |
 * +----------------+---------------------------+------+
 *   0x03             'n' 'a'                     0x0a      = "na", 0x036e610a
 *
 * initiator                                responder
 *   /multistream/1.0.0  + /tls/1.0.0  ---&gt;             (optimistic: header and first proposal together)
 *                                     &lt;---  /multistream/1.0.0 + na
 *   /noise                            ---&gt;
 *                                     &lt;---  /noise   (echo = agreement; both sides now speak /noise)
 * </pre>
 *
 * <p>The same handler serves a raw connection (to pick the security protocol), a secured connection (to pick
 * the muxer) and a muxed stream (to pick the application protocol). Create it with {@link #initiator} or
 * {@link #responder}. The responder tolerates the header, the proposal and the protocol's first bytes in one
 * read; the initiator tolerates the responder's header, echo and first bytes in one read.
 *
 * <p>On agreement the handler, like Netty's {@code ApplicationProtocolNegotiationHandler}, calls
 * {@link #configurePipeline}, fires {@link ProtocolSelected}, completes {@link #selection()}, and removes
 * itself; bytes the peer sent after the selection are then passed downstream, in order, as one
 * {@code channelRead}. On failure (malformed message, limit exceeded, every proposal refused, peer gone) it
 * logs the reason, fires {@link ProtocolSelectionFailed}, fails {@link #selection()} and closes the channel
 * (see {@link #selectionFailed}); nothing is thrown into the pipeline. Everything is bounded: message length
 * ({@value #DEFAULT_MAX_MESSAGE_LENGTH} by default) and proposals answered ({@value #DEFAULT_MAX_ROUNDS}).
 *
 * <p>An initiator with more than one proposal must not write application data before {@link ProtocolSelected}: the
 * responder would read it as its next proposal after a {@code na}. With a single proposal the opener may write at
 * once, right behind the proposal, without waiting for the echo ("lazy" negotiation, as go-multistream's
 * {@code NewMSSelect} and rust-libp2p's {@code V1Lazy} do): this handler only reads, so such writes pass it, and the
 * echo is still checked when it comes. A {@code na} to it fails {@link #selection()} with a
 * {@link ProtocolsRefusedException}; what was written ahead is then lost (the responder reads it as garbage and drops
 * the stream), so a lazy opener keeps it to send again. A responder answers {@code ls} with its listing in
 * go-multistream's format.
 */
public class MultistreamSelectHandler extends ByteToMessageDecoder {
    /** The multistream-select protocol id, sent first by both sides. */
    public static final String PROTOCOL_ID = "/multistream/1.0.0";
    public static final int DEFAULT_MAX_MESSAGE_LENGTH = 1024;
    public static final int DEFAULT_MAX_ROUNDS = 16;
    /** Upper bound for {@code maxMessageLength}, go-multistream's own limit. */
    public static final int MAX_MESSAGE_LENGTH_LIMIT = 64 * 1024;
    static final String NA = "na";
    static final String LS = "ls";

    private static final Logger log = LoggerFactory.getLogger(MultistreamSelectHandler.class);

    /** Which side of the negotiation this handler plays. */
    public enum Role {
        /** Proposes protocols in preference order. */
        INITIATOR,
        /** Echoes a supported proposal or answers {@code na}. */
        RESPONDER
    }

    private enum State { AWAIT_HEADER, AWAIT_REPLY, AWAIT_PROPOSAL, SELECTED, FAILED }

    private final Role role;
    private final List<String> protocols;
    private final Predicate<String> supported;
    private final int maxMessageLength;
    private final int maxRounds;
    private final Promise<String> selection = ImmediateEventExecutor.INSTANCE.newPromise();

    private State state = State.AWAIT_HEADER;
    private boolean started;
    /** Initiator: index of the proposal awaiting an answer. Responder: proposals answered so far. */
    private int round;
    private boolean flushPending;

    /** An initiator proposing {@code protocols} in preference order, with the default limits. */
    public static MultistreamSelectHandler initiator(List<String> protocols) {
        return initiator(protocols, DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_MAX_ROUNDS);
    }

    public static MultistreamSelectHandler initiator(List<String> protocols, int maxMessageLength, int maxRounds) {
        return new MultistreamSelectHandler(Role.INITIATOR, protocols, null, maxMessageLength, maxRounds);
    }

    /** A responder accepting exactly {@code protocols} (also its {@code ls} answer), with the default limits. */
    public static MultistreamSelectHandler responder(Set<String> protocols) {
        return new MultistreamSelectHandler(Role.RESPONDER, List.copyOf(protocols), null,
                DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_MAX_ROUNDS);
    }

    /**
     * A responder accepting every proposal {@code supported} matches; {@code listing} answers {@code ls}
     * (it may be empty).
     */
    public static MultistreamSelectHandler responder(Predicate<String> supported, List<String> listing,
                                                     int maxMessageLength, int maxRounds) {
        return new MultistreamSelectHandler(Role.RESPONDER, listing, Objects.requireNonNull(supported, "supported"),
                maxMessageLength, maxRounds);
    }

    /**
     * For subclasses that override {@link #configurePipeline}.
     *
     * @param protocols initiator: the proposals in preference order; responder: the {@code ls} listing, and the
     *     supported set when {@code supported} is null
     * @param supported responder only: which proposals to accept, or null for {@code protocols::contains}
     */
    protected MultistreamSelectHandler(Role role, List<String> protocols, Predicate<String> supported,
                                       int maxMessageLength, int maxRounds) {
        this.role = Objects.requireNonNull(role, "role");
        if (maxMessageLength < PROTOCOL_ID.length() + 1 || maxMessageLength > MAX_MESSAGE_LENGTH_LIMIT) {
            throw new IllegalArgumentException("maxMessageLength must be in [" + (PROTOCOL_ID.length() + 1) + ", "
                    + MAX_MESSAGE_LENGTH_LIMIT + "]: " + maxMessageLength);
        }
        if (maxRounds < 1) throw new IllegalArgumentException("maxRounds must be positive: " + maxRounds);
        this.protocols = List.copyOf(Objects.requireNonNull(protocols, "protocols"));
        for (String p : this.protocols) {
            String problem = checkProtocolId(p, maxMessageLength);
            if (problem != null) throw new IllegalArgumentException("protocols: " + problem);
        }
        if (role == Role.INITIATOR) {
            if (this.protocols.isEmpty()) throw new IllegalArgumentException("protocols must not be empty");
            if (this.protocols.size() > maxRounds) {
                throw new IllegalArgumentException("protocols has " + this.protocols.size()
                        + " entries, more than maxRounds " + maxRounds);
            }
            if (supported != null) throw new IllegalArgumentException("supported is for responders only");
        }
        Set<String> set = Set.copyOf(this.protocols);
        this.supported = supported != null ? supported : set::contains;
        this.maxMessageLength = maxMessageLength;
        this.maxRounds = maxRounds;
    }

    public Role role() {
        return role;
    }

    /** Completes with the selected protocol, or fails with a {@link MultistreamProtocolException}. */
    public Future<String> selection() {
        return selection;
    }

    /**
     * Called on agreement, before {@link ProtocolSelected} is fired and before this handler leaves the
     * pipeline; add the protocol's handlers here (after {@code ctx.name()}) to receive its first bytes.
     */
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) throws Exception {
    }

    /** Called once on failure, after the event was fired; closes the channel. */
    protected void selectionFailed(ChannelHandlerContext ctx, MultistreamProtocolException cause) {
        ctx.close();
    }

    /** Why {@code id} is not an acceptable protocol id, or null if it is. */
    static String checkProtocolId(String id, int maxMessageLength) {
        if (id == null) return "protocol id is null";
        if (id.isEmpty() || id.charAt(0) != '/') return "protocol id must start with '/': " + quote(id);
        if (id.indexOf('\n') >= 0) return "protocol id contains a newline: " + quote(id);
        int length = ByteBufUtil.utf8Bytes(id) + 1;
        if (length > maxMessageLength) {
            return "protocol id " + quote(id) + " needs " + length + " bytes, more than maxMessageLength "
                    + maxMessageLength;
        }
        return null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) start(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) return;
        started = true;
        if (role == Role.INITIATOR) {
            // optimistic: the header and the first proposal in one segment, as go and js do
            ctx.writeAndFlush(encode(ctx, PROTOCOL_ID, protocols.get(0)))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (state == State.SELECTED) return; // removal pending; the rest goes downstream
        long length;
        try {
            length = UnsignedVarint.peek(in);
        } catch (CorruptedFrameException e) {
            fail(ctx, in, "bad length prefix: " + e.getMessage(), true);
            return;
        }
        if (length == UnsignedVarint.INCOMPLETE) return;
        if (length == 0 || length > maxMessageLength) {
            fail(ctx, in, "message length " + length + " outside [1, maxMessageLength " + maxMessageLength + "]",
                    true);
            return;
        }
        int prefix = UnsignedVarint.size(length);
        if (in.readableBytes() < prefix + length) return;
        int start = in.readerIndex() + prefix;
        int textLength = (int) length - 1;
        if (in.getByte(start + textLength) != '\n') {
            fail(ctx, in, "message not terminated by a newline", true);
            return;
        }
        if (in.indexOf(start, start + textLength, (byte) '\n') >= 0) {
            fail(ctx, in, "message contains a newline before its end", true);
            return;
        }
        if (!ByteBufUtil.isText(in, start, textLength, StandardCharsets.UTF_8)) {
            fail(ctx, in, "message is not valid UTF-8", true);
            return;
        }
        String text = in.toString(start, textLength, StandardCharsets.UTF_8);
        in.skipBytes(prefix + (int) length);
        try {
            onMessage(ctx, in, text);
        } catch (Exception e) {
            // only configurePipeline can throw here; the state is not SELECTED yet
            fail(ctx, in, "configurePipeline failed: " + e, false);
        }
    }

    private void onMessage(ChannelHandlerContext ctx, ByteBuf in, String text) throws Exception {
        switch (state) {
            case AWAIT_HEADER -> {
                if (!PROTOCOL_ID.equals(text)) {
                    fail(ctx, in, "expected " + PROTOCOL_ID + ", got " + quote(text), true);
                } else if (role == Role.INITIATOR) {
                    state = State.AWAIT_REPLY;
                } else {
                    write(ctx, PROTOCOL_ID);
                    state = State.AWAIT_PROPOSAL;
                }
            }
            case AWAIT_REPLY -> {
                String proposed = protocols.get(round);
                if (proposed.equals(text)) {
                    select(ctx, proposed);
                } else if (NA.equals(text)) {
                    if (++round == protocols.size()) {
                        fail(ctx, in, new ProtocolsRefusedException(protocols), false);
                    } else {
                        write(ctx, protocols.get(round));
                        flush(ctx);
                    }
                } else {
                    fail(ctx, in, "expected " + quote(proposed) + " or na, got " + quote(text), true);
                }
            }
            case AWAIT_PROPOSAL -> {
                if (++round > maxRounds) {
                    fail(ctx, in, "peer sent more than maxRounds " + maxRounds + " proposals", true);
                } else if (LS.equals(text)) {
                    ctx.write(encodeListing(ctx), ctx.voidPromise());
                    flushPending = true;
                } else {
                    String problem = checkProtocolId(text, maxMessageLength);
                    if (problem != null) {
                        fail(ctx, in, problem, true);
                    } else if (supported.test(text)) {
                        write(ctx, text);
                        select(ctx, text);
                    } else {
                        write(ctx, NA);
                    }
                }
            }
            default -> throw new IllegalStateException(state.toString());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        flush(ctx);
        super.channelReadComplete(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        super.userEventTriggered(ctx, evt);
        if (evt instanceof ChannelInputShutdownEvent) {
            fail(ctx, null, "peer closed its output before a protocol was selected", false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        fail(ctx, null, "connection closed before a protocol was selected", false);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (state != State.SELECTED && state != State.FAILED) {
            state = State.FAILED;
            selection.tryFailure(new MultistreamProtocolException("removed before a protocol was selected"));
        }
    }

    private void select(ChannelHandlerContext ctx, String protocol) throws Exception {
        flush(ctx);
        log.debug("{} selected {}", ctx.channel(), protocol);
        configurePipeline(ctx, protocol);
        state = State.SELECTED;
        ctx.fireUserEventTriggered(new ProtocolSelected(protocol));
        selection.trySuccess(protocol);
        // ByteToMessageDecoder forwards what is left of the cumulation once decode() returns
        if (!ctx.isRemoved()) ctx.pipeline().remove(this);
    }

    /** @param in the cumulation to discard, or null outside decode */
    private void fail(ChannelHandlerContext ctx, ByteBuf in, String reason, boolean violation) {
        fail(ctx, in, new MultistreamProtocolException(reason), violation);
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, MultistreamProtocolException cause, boolean violation) {
        if (in != null) in.skipBytes(in.readableBytes());
        if (state == State.SELECTED || state == State.FAILED) return;
        state = State.FAILED;
        String reason = cause.getMessage();
        if (violation) {
            log.info("{} multistream-select protocol violation, closing: {}", ctx.channel(), reason);
        } else {
            log.debug("{} multistream-select failed, closing: {}", ctx.channel(), reason);
        }
        flush(ctx);
        ctx.fireUserEventTriggered(new ProtocolSelectionFailed(cause));
        selection.tryFailure(cause);
        selectionFailed(ctx, cause);
    }

    private void write(ChannelHandlerContext ctx, String message) {
        ctx.write(encode(ctx, message), ctx.voidPromise());
        flushPending = true;
    }

    private void flush(ChannelHandlerContext ctx) {
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
    }

    /** Encodes {@code messages} back to back into one buffer. */
    static ByteBuf encode(ChannelHandlerContext ctx, String... messages) {
        int size = 0;
        for (String m : messages) {
            int n = ByteBufUtil.utf8Bytes(m) + 1;
            size += UnsignedVarint.size(n) + n;
        }
        ByteBuf buf = ctx.alloc().buffer(size);
        for (String m : messages) writeMessage(buf, m);
        return buf;
    }

    private static void writeMessage(ByteBuf buf, String message) {
        UnsignedVarint.write(buf, ByteBufUtil.utf8Bytes(message) + 1);
        ByteBufUtil.writeUtf8(buf, message);
        buf.writeByte('\n');
    }

    /**
     * go-multistream's {@code ls} answer: one message whose text is the protocols, each encoded as a message
     * of its own.
     */
    private ByteBuf encodeListing(ChannelHandlerContext ctx) {
        int inner = 0;
        for (String p : protocols) {
            int n = ByteBufUtil.utf8Bytes(p) + 1;
            inner += UnsignedVarint.size(n) + n;
        }
        ByteBuf buf = ctx.alloc().buffer(UnsignedVarint.size(inner + 1) + inner + 1);
        UnsignedVarint.write(buf, inner + 1);
        for (String p : protocols) writeMessage(buf, p);
        return buf.writeByte('\n');
    }

    /** Peer text for logs and messages: shortened, control characters escaped (no log injection). */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 64) + 8).append('"');
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > 64) sb.append('…');
        return sb.append('"').toString();
    }
}
