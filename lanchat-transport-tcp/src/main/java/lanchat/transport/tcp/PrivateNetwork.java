package lanchat.transport.tcp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import lanchat.api.crypto.LazyCrypto;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.crypto.spi.XSalsa20;
import lanchat.api.resource.ResourceLimitException;
import lanchat.api.spi.NotInPrivateRoomException;
import lanchat.api.spi.PeerIdMismatchException;

/**
 * libp2p private networks, PSK v1 (specs {@code pnet/Private-Networks-PSK-V1.md}; go-libp2p
 * {@code p2p/net/pnet/psk_conn.go}, js-libp2p {@code @libp2p/pnet}): the first handler of every connection of a
 * private room, below everything the transport speaks (multistream-select, Noise, our own hello).
 *
 * <p>Each side sends a random 24-byte nonce as its first bytes, then XORs everything it sends with
 * XSalsa20(key, own nonce); it reads the peer's first 24 bytes as the peer's nonce and decrypts the rest with
 * XSalsa20(key, peer nonce). Two independent keystreams, never reset. There is no MAC and no handshake: a peer with
 * another key (or none) just reads noise, and whatever the transport's handshake makes of it is the failure, which
 * {@link #explain} turns into a {@link NotInPrivateRoomException}. The secure channel above (Noise) authenticates
 * every byte, so the stream cipher only needs to keep outsiders from talking to us at all, as in libp2p.
 *
 * <p>Bounded: it holds at most the 24 nonce bytes and an 8 KiB scratch array (on the connection's account in the
 * resource manager: {@link ConnectionAccounts#open}); every other buffer passes through at once.
 * Runs on the channel's event loop only.
 */
public final class PrivateNetwork extends ChannelDuplexHandler {
    public static final int NONCE_BYTES = 24;
    /** The size of the scratch array each connection's handler holds. */
    public static final int SCRATCH_BYTES = 8192;
    /** The pipeline name transports give it. */
    public static final String NAME = "pnet";

    private final XSalsa20 cipher;
    private final byte[] key;
    private final SecureRandom random;
    private XSalsa20.Keystream out;
    private XSalsa20.Keystream in;
    private final byte[] peerNonce = new byte[NONCE_BYTES];
    /** Where bytes are XORed, a piece at a time: bounded, whatever the size of a buffer. */
    private final byte[] scratch = new byte[SCRATCH_BYTES];
    private int peerNonceBytes;
    /** How many decrypted bytes were compared with {@link #FIRST_BYTES} so far. */
    private int firstBytesChecked;
    /** The peer's first decrypted bytes are not {@link #FIRST_BYTES}: it encrypts with another key. */
    private boolean otherKey;
    /** We closed the connection (a close from any handler above passes here, the head's neighbour). */
    private boolean weClosed;
    /** The peer ended the connection (closed or reset it); not set when we closed it ourselves. */
    private boolean peerHungUp;

    /**
     * What every peer sends first, on both our transports (the netty transport's hello begins with it) and on every
     * libp2p node: a multistream-select header. Decrypted with the right key, the peer's first bytes are exactly these;
     * with another key they are noise: the one sign that the key is what failed ({@link #explain}). The layer itself
     * stays what PSK v1 is (no check of its own on the wire), so go, js and rust peers are unaffected.
     */
    private static final byte[] FIRST_BYTES = "\u0013/multistream/1.0.0\n".getBytes(StandardCharsets.US_ASCII);

    /** With the XSalsa20 of {@link LazyCrypto}. */
    public PrivateNetwork(PreSharedKey key, SecureRandom random) {
        this(key, random, cipher());
    }

    /**
     * The XSalsa20 capability, from {@code mods/lazy/}: {@link TcpSockets} takes it once, when a transport with a room
     * key is made, so neither the module layer nor a service lookup costs the first connection (or any) its time.
     */
    public static XSalsa20 cipher() {
        return LazyCrypto.capability(XSalsa20.class, "private rooms");
    }

    public PrivateNetwork(PreSharedKey key, SecureRandom random, XSalsa20 cipher) {
        this.key = key.bytes();
        this.random = random;
        this.cipher = cipher;
    }

    /** Whether the peer's whole nonce arrived (it spoke at least 24 bytes). */
    public boolean peerNonceReceived() {
        return in != null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) sendNonce(ctx); // added to an accepted channel: channelActive may have passed
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        sendNonce(ctx); // before the handlers above hear of the connection, so our nonce is the first byte out
        super.channelActive(ctx);
    }

    private void sendNonce(ChannelHandlerContext ctx) {
        if (out != null) return;
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        out = cipher.keystream(key, nonce);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(nonce)); // from this context on: not through our own write()
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        weClosed = true;
        super.close(ctx, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!weClosed) peerHungUp = true; // before the handlers above hear of it: their explain() sees it
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof IOException && !weClosed) peerHungUp = true; // a reset by the peer
        super.exceptionCaught(ctx, cause);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.write(msg, promise);
            return;
        }
        if (out == null) { // a write before the connection is up: nothing may ever leave unencrypted
            ReferenceCountUtil.release(buf);
            promise.setFailure(new IllegalStateException("private network: write before the connection is active"));
            return;
        }
        ctx.write(transformed(ctx, buf, out, false), promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (in == null) {
            int n = Math.min(NONCE_BYTES - peerNonceBytes, buf.readableBytes());
            buf.readBytes(peerNonce, peerNonceBytes, n);
            peerNonceBytes += n;
            if (peerNonceBytes < NONCE_BYTES) {
                buf.release();
                return;
            }
            in = cipher.keystream(key, peerNonce);
            if (!buf.isReadable()) {
                buf.release();
                return;
            }
        }
        ByteBuf plain = transformed(ctx, buf, in, true);
        checkFirstBytes(plain);
        ctx.fireChannelRead(plain);
    }

    private void checkFirstBytes(ByteBuf plain) {
        int n = Math.min(FIRST_BYTES.length - firstBytesChecked, plain.readableBytes());
        for (int i = 0; i < n && !otherKey; i++) {
            if (plain.getByte(plain.readerIndex() + i) != FIRST_BYTES[firstBytesChecked + i]) otherKey = true;
        }
        firstBytesChecked += n;
    }

    /**
     * Whether the key explains a failure: the peer's first bytes decrypted to something else than a multistream
     * header; or it spoke but stopped short of a nonce (an open-room peer's 20-byte header); or it sent its whole
     * nonce, nothing after it, and hung up: js and rust peers send their nonce at once, read our (for them
     * undecryptable) header and close, and a go peer or ours does the same. A whole nonce and then silence until
     * our timeout proves nothing either way: a right-key peer that is merely slow looks the same (review).
     */
    private boolean keyExplains() {
        if (otherKey) return true;
        if (peerNonceBytes > 0 && peerNonceBytes < NONCE_BYTES) return true;
        return peerNonceBytes == NONCE_BYTES && firstBytesChecked == 0 && peerHungUp;
    }

    /**
     * The readable bytes of {@code buf} XORed with the next bytes of {@code keystream}. What we read is ours alone, so
     * it is transformed in place; what the handlers above write may be shared (one buffer written to several peers),
     * so it goes into a fresh buffer from the channel's pool, and {@code buf} is released. Either way through the
     * small {@link #scratch} array, as BouncyCastle's engine works on arrays.
     */
    private ByteBuf transformed(ChannelHandlerContext ctx, ByteBuf buf, XSalsa20.Keystream keystream, boolean inPlace) {
        ByteBuf out = inPlace && buf.refCnt() == 1 && !buf.isReadOnly() ? buf : ctx.alloc().buffer(buf.readableBytes());
        try {
            for (int i = buf.readerIndex(), end = buf.writerIndex(); i < end; ) {
                int n = Math.min(scratch.length, end - i);
                buf.getBytes(i, scratch, 0, n);
                keystream.apply(scratch, 0, n);
                if (out == buf) buf.setBytes(i, scratch, 0, n);
                else out.writeBytes(scratch, 0, n);
                i += n;
            }
        } catch (RuntimeException e) {
            if (out != buf) out.release();
            buf.release();
            throw e;
        }
        if (out != buf) buf.release();
        return out;
    }

    /**
     * What a transport reports when a connection failed during its handshake: on a connection of a private room, a
     * failure the key explains becomes {@link NotInPrivateRoomException} ({@code who} says who, e.g. the address): the
     * peer's first bytes did not decrypt to a multistream header (another key), or it spoke but stopped before a whole
     * nonce (a peer without this private network: an open-room node sends its 20-byte header and waits), or it hung up
     * right after its nonce. Any other failure is returned as it is: a peer that proved our key and then failed, one
     * that sent nothing, or only its nonce and then let us time out (a timeout, a refused connection), a refusal of
     * ours; and every failure without a private network.
     */
    public static Throwable explain(Channel ch, String who, Throwable failure) {
        PrivateNetwork pnet = ch.pipeline().get(PrivateNetwork.class);
        if (pnet == null) return failure;
        if (failure instanceof ResourceLimitException || failure instanceof PeerIdMismatchException || failure instanceof NotInPrivateRoomException) return failure;
        return pnet.keyExplains() ? new NotInPrivateRoomException(who, failure) : failure;
    }
}
