package lanchat.it.hostile;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import lanchat.api.Identity;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.security.noise.CipherState;
import lanchat.security.noise.NoiseException;
import lanchat.security.noise.NoiseHandshake;
import lanchat.security.noise.NoiseResult;

/**
 * One hostile connection, from a blocking socket. Over libp2p it negotiates {@code /noise} with multistream-select,
 * completes a real Noise XX handshake with the project's own {@link NoiseHandshake} and a fresh throw-away identity
 * (yamux chosen by early muxer negotiation, as the node offers it), and then writes whatever yamux frames an attack
 * needs, encrypted with the session's own {@link CipherState}. Over the netty transport it sends that transport's
 * hello instead of negotiating, the same handshake without muxers, then chat frames ({@link #nettyFrame}). Framing
 * only is written here (multistream's varint-prefixed lines, Noise's 2-byte lengths, yamux's 12-byte headers, the
 * netty transport's 4-byte lengths); every cryptographic step is the project's.
 *
 * <p>Bounded: every read has a timeout, and the caller closes it (tests close all in {@code finally}).
 */
final class HostilePeer implements Closeable {
    static final String MULTISTREAM = "/multistream/1.0.0";
    static final String YAMUX = "/yamux/1.0.0";
    static final int YAMUX_DATA = 0, YAMUX_WINDOW_UPDATE = 1, YAMUX_PING = 2, YAMUX_GO_AWAY = 3;
    static final int SYN = 1, ACK = 2, FIN = 4, RST = 8;

    final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private CipherState sender;
    private CipherState receiver;
    private NoiseResult result;

    private HostilePeer(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** A TCP connection from {@code source} (an address of this host, e.g. 127.0.0.2) to {@code target}. */
    static HostilePeer connect(String source, InetSocketAddress target, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(target, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.setTcpNoDelay(true);
            return new HostilePeer(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** The netty transport's hello: a multistream header and its protocol, sent by both ends at once. */
    static final String NETTY = "/lanchat-netty/1.0.0";
    static final int NETTY_MESSAGE = 1, NETTY_PING = 2;

    /** A netty-transport connection authenticated with a fresh identity. */
    static HostilePeer nettyAuthenticated(String source, InetSocketAddress target, Duration timeout) throws IOException {
        HostilePeer a = connect(source, target, timeout);
        try {
            a.writeRaw(multistreamLines(MULTISTREAM, NETTY));
            a.expectLine(MULTISTREAM);
            a.expectLine(NETTY);
            a.noise(NoiseHandshake.initiator(Identity.generate(), null, List.of()));
            return a;
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /** A netty-transport frame: a 4-byte length, then {@code type} and {@code body}. */
    static byte[] nettyFrame(int type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).putInt(1 + body.length).put((byte) type).put(body).array();
    }

    /** Connects and completes the handshake with a fresh identity: an authenticated throw-away peer. */
    static HostilePeer authenticated(String source, InetSocketAddress target, Duration timeout) throws IOException {
        HostilePeer a = connect(source, target, timeout);
        try {
            a.handshake(Identity.generate());
            return a;
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /** multistream-select {@code /noise}, the XX handshake as initiator, yamux by early negotiation. */
    void handshake(Identity identity) throws IOException {
        handshake(NoiseHandshake.initiator(identity, null, List.of(YAMUX)));
    }

    /** The same with an identity key of any kind (e.g. an RSA key no node should accept) and its signer. */
    void handshake(PeerPublicKey key, NoiseHandshake.Signer signer) throws IOException {
        handshake(NoiseHandshake.create(true, key, signer, null, List.of(YAMUX)));
    }

    private void handshake(NoiseHandshake hs) throws IOException {
        writeRaw(multistreamLines(MULTISTREAM, NoiseHandshake.PROTOCOL_ID));
        expectLine(MULTISTREAM);
        expectLine(NoiseHandshake.PROTOCOL_ID);
        noise(hs);
        if (!result.remoteMuxers().contains(YAMUX)) throw new IOException("the node did not offer yamux in its Noise payload: " + result.remoteMuxers());
    }

    private void noise(NoiseHandshake hs) throws IOException {
        try {
            writeNoiseFrame(hs.writeMessage());
            hs.readMessage(readNoiseFrame());
            writeNoiseFrame(hs.writeMessage());
            result = hs.result();
        } catch (NoiseException e) {
            throw new IOException("handshake failed: " + e.getMessage(), e);
        }
        sender = result.sender();
        receiver = result.receiver();
    }

    NoiseResult result() {
        return result;
    }

    /** Multistream-select's framing: each line a varint length, the text and a newline. */
    static byte[] multistreamLines(String... lines) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String l : lines) {
            byte[] t = (l + "\n").getBytes(StandardCharsets.UTF_8);
            writeVarint(b, t.length);
            b.writeBytes(t);
        }
        return b.toByteArray();
    }

    private static void writeVarint(ByteArrayOutputStream b, int v) {
        while ((v & ~0x7F) != 0) {
            b.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b.write(v);
    }

    private void expectLine(String expected) throws IOException {
        int len = 0, shift = 0, c;
        do {
            c = in.readUnsignedByte();
            len |= (c & 0x7F) << shift;
            shift += 7;
        } while ((c & 0x80) != 0 && shift < 28);
        if (len > 1024) throw new IOException("multistream line of " + len + " bytes");
        byte[] line = in.readNBytes(len);
        String got = new String(line, StandardCharsets.UTF_8).strip();
        if (!got.equals(expected)) throw new IOException("expected " + expected + ", got " + got);
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private void writeNoiseFrame(byte[] msg) throws IOException {
        byte[] f = new byte[2 + msg.length];
        f[0] = (byte) (msg.length >>> 8);
        f[1] = (byte) msg.length;
        System.arraycopy(msg, 0, f, 2, msg.length);
        writeRaw(f);
    }

    private byte[] readNoiseFrame() throws IOException {
        int len = in.readUnsignedShort();
        return in.readNBytes(len);
    }

    /** A yamux frame header (version 0, big-endian), as the yamux spec lays it out. */
    static byte[] yamuxHeader(int type, int flags, int stream, int length) {
        return ByteBuffer.allocate(12).put((byte) 0).put((byte) type).putShort((short) flags).putInt(stream).putInt(length).array();
    }

    /** A yamux data frame with its body. */
    static byte[] yamuxData(int flags, int stream, byte[] body) {
        return ByteBuffer.allocate(12 + body.length).put(yamuxHeader(YAMUX_DATA, flags, stream, body.length)).put(body).array();
    }

    /** Opens stream {@code id} (odd: ours) and selects {@code protocol} on it, without waiting for the answer. */
    void openStream(int id, String protocol) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(yamuxHeader(YAMUX_WINDOW_UPDATE, SYN, id, 0));
        b.writeBytes(yamuxData(0, id, multistreamLines(MULTISTREAM, protocol)));
        send(b.toByteArray());
    }

    /**
     * Encrypts {@code plaintext} into as many Noise transport messages as it needs, and writes them. Synchronized: an
     * attack may send from its reading thread too ({@link #readYamux}), and the counter of a Noise cipher is one per
     * direction.
     */
    synchronized void send(byte[] plaintext) throws IOException {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int off = 0; off < plaintext.length; off += CipherState.MAX_PLAINTEXT) {
            int n = Math.min(CipherState.MAX_PLAINTEXT, plaintext.length - off);
            byte[] chunk = new byte[n];
            System.arraycopy(plaintext, off, chunk, 0, n);
            byte[] ct;
            try {
                ct = sender.encrypt(chunk);
            } catch (NoiseException e) {
                throw new IOException(e);
            }
            frames.write(ct.length >>> 8);
            frames.write(ct.length & 0xFF);
            frames.writeBytes(ct);
        }
        writeRaw(frames.toByteArray());
    }

    /**
     * Reads the node's yamux frames (its Noise messages decrypted) while {@code reading} holds and until
     * {@code deadline} (nanoTime), or the connection ends: adds each window update for stream {@code stream} to
     * {@code granted}, hands the data for it back as window (so that the node may go on sending it), drops all other
     * data, and answers the node's yamux pings, each only after {@code pingDelay}: a peer decides how long its round
     * trip looks. Stops without a word when the connection ends (the node closed it, or the watchdog did).
     */
    void readYamux(int stream, AtomicLong granted, Duration pingDelay, BooleanSupplier reading, long deadline) {
        ByteBuffer pending = ByteBuffer.allocate(1 << 20).flip(); // decrypted bytes not yet parsed: a header, or what is left of a body
        long skip = 0; // body bytes of a data frame still to drop
        long echoed = 0; // data of {@code stream} not yet handed back as window
        try {
            socket.setSoTimeout(200);
            while (reading.getAsBoolean() && System.nanoTime() < deadline) {
                int first;
                try {
                    first = in.read();
                } catch (SocketTimeoutException e) {
                    continue; // nothing came: look at the clock and the flag again
                }
                if (first < 0) return;
                socket.setSoTimeout(5000); // a frame begun is read whole
                byte[] ciphertext = in.readNBytes((first << 8) | in.readUnsignedByte());
                socket.setSoTimeout(200);
                byte[] plain = receiver.decrypt(ciphertext);
                pending.compact().put(plain).flip();
                while (true) {
                    if (skip > 0) {
                        int n = (int) Math.min(skip, pending.remaining());
                        pending.position(pending.position() + n);
                        skip -= n;
                        if (skip > 0) break;
                    }
                    if (pending.remaining() < 12) break;
                    pending.get(); // version
                    int type = pending.get(), flags = pending.getShort(), id = pending.getInt(), length = pending.getInt();
                    if (type == YAMUX_DATA) {
                        skip = length & 0xFFFFFFFFL;
                        if (id == stream) echoed += skip;
                    } else if (type == YAMUX_WINDOW_UPDATE && id == stream) {
                        granted.addAndGet(length & 0xFFFFFFFFL);
                    } else if (type == YAMUX_PING && (flags & SYN) != 0) {
                        Thread.sleep(pingDelay.toMillis());
                        send(yamuxHeader(YAMUX_PING, ACK, 0, length));
                    } else if (type == YAMUX_GO_AWAY) {
                        return;
                    }
                }
                if (echoed >= 256 * 1024) { // the node's echoes may keep coming: as much window back as they took
                    send(yamuxHeader(YAMUX_WINDOW_UPDATE, 0, stream, (int) echoed));
                    echoed = 0;
                }
            }
        } catch (IOException | NoiseException e) {
            // the connection ended
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether the node closed this connection within {@code wait}: reads (and drops) what arrives until end of stream
     * (true), or the time is up (false). Reading is what a closed connection needs to be seen; an attack that must not
     * read calls it only once the attack is over.
     */
    boolean closedByNodeWithin(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream raw = socket.getInputStream();
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, Math.min(200, (deadline - System.nanoTime()) / 1_000_000)));
                try {
                    if (raw.read(buf) < 0) return true;
                } catch (SocketTimeoutException e) {
                    // still open
                }
            }
            return false;
        } catch (EOFException e) {
            return true;
        } catch (IOException e) {
            return true; // reset by the node
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }
}
