package lanchat.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;

import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.internal.KeyMessage;

/**
 * This node's Ed25519 key pair and the peer id derived from it.
 *
 * <p>Key files use the libp2p protobuf private-key format ({@code message PrivateKey { KeyType Type = 1; bytes Data = 2; }}
 * with Data = 32-byte seed followed by the 32-byte public key, as go-libp2p writes it), so a key file can be moved
 * between LAN Chat and go-libp2p tools. Files are created readable by the owner only.
 */
public final class Identity {
    private static final int MAX_KEY_FILE = 4096;

    private final PrivateKey privateKey;
    private final PeerPublicKey publicKey;
    private final PeerId peerId;

    private Identity(PrivateKey privateKey, byte[] rawPublic) {
        this.privateKey = privateKey;
        this.publicKey = PeerPublicKey.ed25519(rawPublic);
        this.peerId = PeerId.fromPublicKey(publicKey);
    }

    /** A fresh random identity. */
    public static Identity generate() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new Identity(kp.getPrivate(), PeerPublicKey.rawEd25519(kp.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 unavailable", e);
        }
    }

    /** Rebuilds an identity from its 32-byte Ed25519 seed. */
    public static Identity fromSeed(byte[] seed) {
        if (seed.length != 32) throw new IllegalArgumentException("Ed25519 seed must be 32 bytes, got " + seed.length);
        try {
            // The JDK has no public "seed -> key pair" call, but its Ed25519 generator takes the seed from its
            // SecureRandom: feeding it the seed yields exactly that key pair (checked below).
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            g.initialize(255, new FixedSeed(seed));
            KeyPair kp = g.generateKeyPair();
            if (!Arrays.equals(((EdECPrivateKey) kp.getPrivate()).getBytes().orElseThrow(), seed)) throw new IllegalStateException("Ed25519 seed was not used");
            return new Identity(kp.getPrivate(), PeerPublicKey.rawEd25519(kp.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 unavailable", e);
        }
    }

    /** Decodes a protobuf private key (Ed25519 only: that is the only type LAN Chat signs with). */
    public static Identity decode(byte[] protobuf) {
        KeyMessage key = KeyMessage.decode(protobuf, "private key");
        KeyType type = key.type();
        byte[] data = key.data();
        if (type != KeyType.ED25519) throw new IllegalArgumentException("only Ed25519 identities are supported, found " + type);
        if (data.length != 64 && data.length != 32) throw new IllegalArgumentException("Ed25519 private key must be 64 bytes (seed + public key), got " + data.length);
        Identity id = fromSeed(Arrays.copyOf(data, 32));
        if (data.length == 64 && !Arrays.equals(data, 32, 64, id.publicKey.data(), 0, 32)) {
            throw new IllegalArgumentException("Ed25519 private key: public half does not match the seed");
        }
        return id;
    }

    /** The protobuf private-key form (seed followed by public key). */
    public byte[] encode() {
        byte[] data = new byte[64];
        System.arraycopy(seed(), 0, data, 0, 32);
        System.arraycopy(publicKey.data(), 0, data, 32, 32);
        return new KeyMessage(KeyType.ED25519, data).encode();
    }

    /** Loads the key file, or creates it with a fresh identity (mode 0600) when it does not exist. */
    public static Identity loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) return load(file);
        Identity id = generate();
        try {
            id.save(file);
        } catch (FileAlreadyExistsException raced) {
            return load(file); // another process created it first: use theirs
        }
        return id;
    }

    /** @throws IOException with a message fit to show the user (missing, unreadable, not a key) */
    public static Identity load(Path file) throws IOException {
        try {
            if (Files.size(file) > MAX_KEY_FILE) throw new IOException("identity file " + file + " is too large to be a key");
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_KEY_FILE + 1); // bounded: a device or pipe has no size to check first
            }
            if (bytes.length > MAX_KEY_FILE) throw new IOException("identity file " + file + " is too large to be a key");
            return decode(bytes);
        } catch (NoSuchFileException e) {
            throw new IOException("identity file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new IOException("identity file " + file + " is not readable");
        } catch (FileSystemException e) { // e.g. a socket, which no one can open, root included
            throw new IOException("identity file " + file + " is not readable" + (e.getReason() == null ? "" : ": " + e.getReason()));
        } catch (IllegalArgumentException e) {
            throw new IOException("identity file " + file + " is not a libp2p Ed25519 private key: " + e.getMessage());
        }
    }

    /** Writes the key file readable by the owner only; fails if the file already exists. */
    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, ".identity", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            tmp = Files.createTempFile(dir, ".identity", ".tmp");
        }
        try {
            Files.write(tmp, encode());
            // A hard link publishes the complete file atomically and, unlike an atomic rename (which on POSIX
            // silently replaces the target), fails when the file exists: an existing key is never overwritten.
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                throw new FileAlreadyExistsException(file.toString(), null, "identity file already exists; not overwriting it");
            } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
                Files.move(tmp, file); // without REPLACE_EXISTING this refuses an existing target too
            }
            if (Files.size(file) == 0) throw new IOException("identity file " + file + " was not written");
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public PeerId peerId() { return peerId; }

    public PeerPublicKey publicKey() { return publicKey; }

    /** Ed25519 signature over {@code message}. */
    public byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] seed() {
        return ((EdECPrivateKey) privateKey).getBytes().orElseThrow();
    }

    /** A SecureRandom that returns one fixed seed: how the JDK lets us derive an Ed25519 public key from its seed. */
    private static final class FixedSeed extends java.security.SecureRandom {
        private final byte[] seed;

        FixedSeed(byte[] seed) { this.seed = seed.clone(); }

        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
        }
    }

    @Override
    public String toString() {
        return "Identity[" + peerId + "]";
    }
}
