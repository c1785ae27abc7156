package lanchat.files;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The messages of {@code /lanchat/file/1.0.0}, one per channel message, big-endian: a type byte, then fixed fields,
 * then at most one length-prefixed UTF-8 string or the chunk's bytes. Each channel carries one conversation, started
 * by its opener's first message:
 * <pre>
 *   sender → receiver   OFFER  id(16) size(8) chunkSize(4) sha256(32) nameLen(2) name     then the sender closes
 *   receiver → sender   GET    id(16) offset(8)      ← CHUNK offset(8) bytes … END | ERROR reason
 *   either → other      REJECT id(16) | CANCEL id(16) reasonLen(2) reason                  then the opener closes
 * </pre>
 * Decoding checks every length against the bytes present and the limits ({@link FileLimits}); a malformed message is
 * an {@link IOException} whose message says what was wrong.
 */
final class Wire {
    static final byte OFFER = 1, GET = 2, CHUNK = 3, END = 4, REJECT = 5, CANCEL = 6, ERROR = 7;
    static final int ID_BYTES = 16, HASH_BYTES = 32;
    /** A name on the wire; sanitising shortens it further. */
    static final int MAX_NAME_BYTES = 1024;
    static final int MAX_REASON_BYTES = 256;
    /** CHUNK's header: type and offset. */
    static final int CHUNK_HEADER = 1 + 8;

    private Wire() {}

    sealed interface Message permits Offer, Get, Chunk, End, Reject, Cancel, Error {}

    /** What a sender announces; {@code id} is random and names the offer in every later message. */
    record Offer(String id, long size, int chunkSize, byte[] sha256, String name) implements Message {}

    record Get(String id, long offset) implements Message {}

    /** {@code data} starts at {@code offset} of the file. */
    record Chunk(long offset, byte[] data, int from, int length) implements Message {}

    record End() implements Message {}

    record Reject(String id) implements Message {}

    record Cancel(String id, String reason) implements Message {}

    record Error(String reason) implements Message {}

    static byte[] encode(Message m) {
        if (m instanceof Chunk c) {
            // the hot path: one array, no stream
            ByteBuffer b = ByteBuffer.allocate(CHUNK_HEADER + c.length());
            b.put(CHUNK).putLong(c.offset()).put(c.data(), c.from(), c.length());
            return b.array();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (m instanceof Offer o) {
                out.writeByte(OFFER);
                out.write(id(o.id()));
                out.writeLong(o.size());
                out.writeInt(o.chunkSize());
                out.write(o.sha256());
                string(out, o.name(), MAX_NAME_BYTES);
            } else if (m instanceof Get g) {
                out.writeByte(GET);
                out.write(id(g.id()));
                out.writeLong(g.offset());
            } else if (m instanceof End) {
                out.writeByte(END);
            } else if (m instanceof Reject r) {
                out.writeByte(REJECT);
                out.write(id(r.id()));
            } else if (m instanceof Cancel c) {
                out.writeByte(CANCEL);
                out.write(id(c.id()));
                string(out, c.reason(), MAX_REASON_BYTES);
            } else if (m instanceof Error e) {
                out.writeByte(ERROR);
                string(out, e.reason(), MAX_REASON_BYTES);
            }
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return bytes.toByteArray();
    }

    static Message decode(byte[] message, FileLimits limits) throws IOException {
        if (message.length == 0) throw new IOException("empty message");
        if (message[0] == CHUNK) {
            if (message.length < CHUNK_HEADER) throw new IOException("short chunk");
            long offset = ByteBuffer.wrap(message, 1, 8).getLong();
            if (offset < 0) throw new IOException("negative chunk offset");
            return new Chunk(offset, message, CHUNK_HEADER, message.length - CHUNK_HEADER);
        }
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(message, 1, message.length - 1));
        try {
            Message m = switch (message[0]) {
                case OFFER -> {
                    String id = readId(in);
                    long size = in.readLong();
                    int chunk = in.readInt();
                    byte[] hash = in.readNBytes(HASH_BYTES);
                    if (hash.length != HASH_BYTES) throw new EOFException();
                    String name = readString(in, MAX_NAME_BYTES);
                    if (size < 0) throw new IOException("negative size");
                    if (chunk < FileLimits.MIN_CHUNK || chunk > limits.maxChunkBytes()) {
                        throw new IOException("chunk size " + chunk + " outside " + FileLimits.MIN_CHUNK + ".." + limits.maxChunkBytes());
                    }
                    yield new Offer(id, size, chunk, hash, name);
                }
                case GET -> {
                    String id = readId(in);
                    long offset = in.readLong();
                    if (offset < 0) throw new IOException("negative offset");
                    yield new Get(id, offset);
                }
                case END -> new End();
                case REJECT -> new Reject(readId(in));
                case CANCEL -> new Cancel(readId(in), readString(in, MAX_REASON_BYTES));
                case ERROR -> new Error(readString(in, MAX_REASON_BYTES));
                default -> throw new IOException("unknown message type " + message[0]);
            };
            if (in.available() > 0) throw new IOException(in.available() + " bytes after the message");
            return m;
        } catch (EOFException e) {
            throw new IOException("truncated message of type " + message[0]);
        }
    }

    static String newId() {
        byte[] b = new byte[ID_BYTES];
        new java.security.SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static byte[] id(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        if (b.length != ID_BYTES) throw new IllegalArgumentException("an offer id is " + ID_BYTES + " bytes");
        return b;
    }

    private static String readId(DataInputStream in) throws IOException {
        byte[] b = in.readNBytes(ID_BYTES);
        if (b.length != ID_BYTES) throw new EOFException();
        return HexFormat.of().formatHex(b);
    }

    private static void string(DataOutputStream out, String s, int max) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > max) b = java.util.Arrays.copyOf(b, max); // a reason or name cut short is still useful
        out.writeShort(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in, int max) throws IOException {
        int n = in.readUnsignedShort();
        if (n > max) throw new IOException("string of " + n + " bytes (at most " + max + ")");
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new EOFException();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("bad UTF-8");
        }
    }
}
