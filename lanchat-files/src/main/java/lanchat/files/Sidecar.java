package lanchat.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Properties;

import lanchat.api.PeerId;

/**
 * The resume bookkeeping of one accepted download, next to its partial file: what was offered (so the download
 * survives a restart of this node) and a checkpoint, an offset with the SHA-256 of the bytes before it. A checkpoint
 * is written after the bytes it covers, so after a crash the partial file is at least as long; on resume the file is
 * cut back to the checkpoint and those bytes are hashed again: equal, the transfer goes on from there (and the digest
 * of the whole file continues from the same state); different (the disk or someone changed it), it starts over.
 *
 * <p>Files: {@code DIR/.lanchat-partial/KEY.part} and {@code KEY.state} (a {@code Properties} file, replaced
 * atomically), where {@link #key} names the sender and the offer id: ids are chosen by senders, so two peers'
 * offers must never share a file (a peer could otherwise write into, or delete, another peer's download). Files of
 * builds before that were named by the id alone; {@link #migrate} renames them when they are loaded.
 */
record Sidecar(PeerId peer, String id, String name, long size, int chunkSize, byte[] sha256, long offset, byte[] prefixSha256) {
    static final String PART = ".part", STATE = ".state";

    /** Names one peer's offer: a hash of its peer id (lower-case hex, the same on every file system) and the offer id. */
    static String key(PeerId peer, String id) {
        byte[] h = newDigest().digest(peer.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(h, 0, 16) + "-" + id;
    }

    String key() { return key(peer, id); }

    static Path partial(Path dir, String key) { return dir.resolve(key + PART); }

    static Path state(Path dir, String key) { return dir.resolve(key + STATE); }

    /**
     * Renames the files of a download loaded from {@code stateFile} to this sidecar's key when they still have the
     * name builds before per-peer keys gave them (the id alone), so such downloads resume as before.
     */
    void migrate(Path dir, Path stateFile) throws IOException {
        if (stateFile.getFileName().toString().equals(key() + STATE)) return;
        Path oldPart = dir.resolve(id + PART);
        if (Files.exists(oldPart)) Files.move(oldPart, partial(dir, key()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        save(dir);
        Files.delete(stateFile);
    }

    Sidecar at(long newOffset, byte[] newPrefix) {
        return new Sidecar(peer, id, name, size, chunkSize, sha256, newOffset, newPrefix);
    }

    void save(Path dir) throws IOException {
        Properties p = new Properties();
        HexFormat hex = HexFormat.of();
        p.setProperty("peer", peer.toString());
        p.setProperty("id", id);
        p.setProperty("name", name);
        p.setProperty("size", Long.toString(size));
        p.setProperty("chunkSize", Integer.toString(chunkSize));
        p.setProperty("sha256", hex.formatHex(sha256));
        p.setProperty("offset", Long.toString(offset));
        p.setProperty("prefixSha256", hex.formatHex(prefixSha256));
        Path tmp = dir.resolve(key() + STATE + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "lanchat partial download");
        }
        Files.move(tmp, state(dir, key()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static Sidecar load(Path stateFile) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(stateFile)) {
            p.load(in);
        }
        try {
            HexFormat hex = HexFormat.of();
            Sidecar s = new Sidecar(PeerId.parse(p.getProperty("peer")), p.getProperty("id"), FileNames.sanitize(p.getProperty("name")),
                    Long.parseLong(p.getProperty("size")), Integer.parseInt(p.getProperty("chunkSize")), hex.parseHex(p.getProperty("sha256")),
                    Long.parseLong(p.getProperty("offset")), hex.parseHex(p.getProperty("prefixSha256")));
            if (!s.id.matches("[0-9a-f]{32}") || s.offset < 0 || s.offset > s.size || s.sha256.length != 32) throw new IOException("inconsistent");
            return s;
        } catch (RuntimeException e) {
            throw new IOException("unreadable resume state " + stateFile.getFileName() + ": " + e.getMessage());
        }
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The digest's value so far, leaving it usable (SHA-256 digests of the JDK clone). */
    static byte[] peek(MessageDigest d) {
        try {
            return ((MessageDigest) d.clone()).digest();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 clones", e);
        }
    }

    /**
     * Prepares the partial file for a resume: cut back to the checkpoint and hash the bytes before it again. Returns
     * the digest to go on with, positioned at {@link #offset()}, or null when the partial file is shorter than the
     * checkpoint or its bytes no longer hash to it (the caller starts over from 0).
     */
    MessageDigest verifyPrefix(Path partialFile) throws IOException {
        MessageDigest d = newDigest();
        if (offset == 0) return d;
        if (!Files.exists(partialFile)) return null;
        try (FileChannel ch = FileChannel.open(partialFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (ch.size() < offset) return null;
            ch.truncate(offset);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = 0;
            while (pos < offset) {
                buf.clear();
                int n = ch.read(buf, pos);
                if (n < 0) return null;
                buf.flip();
                d.update(buf);
                pos += n;
            }
        }
        return MessageDigest.isEqual(peek(d), prefixSha256) ? d : null;
    }
}
