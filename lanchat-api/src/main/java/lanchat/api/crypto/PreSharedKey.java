package lanchat.api.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import lanchat.api.crypto.spi.Argon2id;
import lanchat.api.internal.Base32;

/**
 * The 32-byte key of a private room: libp2p's pre-shared key for private networks (specs
 * {@code pnet/Private-Networks-PSK-V1.md}), read from a swarm key file or derived from a spoken passphrase.
 *
 * <p>Never printed: {@link #toString()} and {@link #fingerprint()} show a short hash that people can compare aloud,
 * from which the key cannot be recovered.
 */
public final class PreSharedKey {
    /** The first line of a swarm key file (go-libp2p {@code core/pnet/codec.go}). */
    public static final String HEADER = "/key/swarm/psk/1.0.0/";
    public static final int LENGTH = 32;
    /** A swarm key file is three short lines; anything much longer is not one (bounds what we read). */
    public static final int MAX_FILE_BYTES = 1024;

    /**
     * Argon2id parameters for {@link #fromSecret}: 46 MiB, 1 pass, 1 lane, the first of OWASP's recommended Argon2id
     * settings (Password Storage Cheat Sheet). BouncyCastle's pure-Java Argon2 runs it once at start-up, in the
     * launcher's 128 MiB heap. Measured on a 2-core machine at load 20 (so a laptop does better): 0.4 s warm, 1.7 s
     * as the first thing a JVM does; RFC 9106's 64 MiB × 3 passes took 1.1 s warm there. Changing them changes every
     * derived key: they are part of the room format.
     */
    public static final int ARGON2_MEMORY_KIB = 46 * 1024, ARGON2_ITERATIONS = 1, ARGON2_PARALLELISM = 1;
    /** Domain separation: the salt is this, then the room name (Argon2 needs ≥ 8 bytes of salt, an empty room too). */
    static final String SALT_PREFIX = "lanchat private room v1\0";

    private final byte[] key;

    private PreSharedKey(byte[] key) {
        if (key.length != LENGTH) throw new IllegalArgumentException("a room key is " + LENGTH + " bytes, not " + key.length);
        this.key = key.clone();
    }

    /** A key of exactly 32 bytes (copied). */
    public static PreSharedKey of(byte[] key) {
        return new PreSharedKey(key);
    }

    /** A fresh random key. */
    public static PreSharedKey generate(SecureRandom random) {
        byte[] k = new byte[LENGTH];
        random.nextBytes(k);
        return new PreSharedKey(k);
    }

    /**
     * Reads a swarm key file: {@code /key/swarm/psk/1.0.0/}, an encoding line ({@code /base16/}, {@code /base64/} or
     * {@code /bin/}), then the key; lines end in LF or CRLF, as go accepts.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the key
     */
    public static PreSharedKey parse(byte[] file) {
        if (file.length > MAX_FILE_BYTES) throw new IllegalArgumentException("not a swarm key file: " + file.length + " bytes, at most " + MAX_FILE_BYTES);
        int[] pos = {0};
        String header = line(file, pos);
        if (!HEADER.equals(header)) throw new IllegalArgumentException("not a swarm key file: the first line must be " + HEADER);
        String encoding = line(file, pos);
        byte[] rest = Arrays.copyOfRange(file, pos[0], file.length);
        byte[] key;
        switch (encoding) {
            case "/bin/" -> key = rest.length >= LENGTH ? Arrays.copyOf(rest, LENGTH) : rest; // go reads exactly 32 bytes
            case "/base16/" -> key = decode(rest, "base16", s -> HexFormat.of().parseHex(s));
            case "/base64/" -> key = decode(rest, "base64", s -> Base64.getDecoder().decode(s));
            default -> throw new IllegalArgumentException("swarm key file: unknown encoding line (expected /base16/, /base64/ or /bin/)");
        }
        try {
            if (key.length != LENGTH) throw new IllegalArgumentException("swarm key file: the key must be " + LENGTH + " bytes, found " + key.length);
            return new PreSharedKey(key);
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(rest, (byte) 0);
        }
    }

    private interface Decoder {
        byte[] decode(String text);
    }

    private static byte[] decode(byte[] text, String name, Decoder decoder) {
        String s = new String(text, StandardCharsets.US_ASCII).strip(); // a trailing newline is usual
        try {
            return decoder.decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("swarm key file: the key is not valid " + name); // never the key's text
        }
    }

    private static String line(byte[] file, int[] pos) {
        int start = pos[0];
        int nl = start;
        while (nl < file.length && file[nl] != '\n') nl++;
        if (nl == file.length) throw new IllegalArgumentException("not a swarm key file: expected three lines (header, encoding, key)");
        pos[0] = nl + 1;
        int end = nl > start && file[nl - 1] == '\r' ? nl - 1 : nl;
        return new String(file, start, end - start, StandardCharsets.US_ASCII);
    }

    /** The key as a swarm key file, base16 (lower case: js-libp2p always decodes base16, and reads lower case). */
    public byte[] toSwarmKeyFile() {
        return (HEADER + "\n/base16/\n" + HexFormat.of().formatHex(key) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The key of a room whose members share a passphrase: Argon2id of the passphrase (Unicode NFC, so "é" typed on
     * any system is the same passphrase; UTF-8), salted
     * with {@link #SALT_PREFIX} and the room name, so the same passphrase gives different rooms different keys and a
     * precomputed table is useless. Loads the KDF lazily ({@link LazyCrypto}).
     *
     * @throws IllegalArgumentException for an empty passphrase
     */
    public static PreSharedKey fromSecret(char[] secret, String room) {
        byte[] password = kdfInput(secret);
        byte[] salt = (SALT_PREFIX + room).getBytes(StandardCharsets.UTF_8);
        Argon2id kdf = LazyCrypto.capability(Argon2id.class, "room secrets");
        byte[] k = kdf.derive(password, salt, ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM, LENGTH);
        Arrays.fill(password, (byte) 0);
        try {
            return new PreSharedKey(k);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    /**
     * The passphrase's bytes for the KDF: UTF-8 of its NFC form, made from the array without a String (a String cannot
     * be wiped); the caller wipes both arrays. An ASCII passphrase is its own NFC and UTF-8. The JDK normalizes only
     * through a String, so a passphrase with other characters is normalized through one (left to the collector); it
     * is then encoded into arrays that are wiped.
     *
     * @throws IllegalArgumentException for an empty or blank passphrase (the message never holds it)
     */
    static byte[] kdfInput(char[] secret) {
        boolean blank = true, ascii = true;
        for (char c : secret) {
            blank &= Character.isWhitespace(c) || Character.isSpaceChar(c);
            ascii &= c < 0x80;
        }
        if (blank) throw new IllegalArgumentException("the room secret is empty");
        if (ascii) {
            byte[] password = new byte[secret.length];
            for (int i = 0; i < secret.length; i++) password[i] = (byte) secret[i];
            return password;
        }
        java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.encode(Normalizer.normalize(java.nio.CharBuffer.wrap(secret), Normalizer.Form.NFC));
        byte[] password = new byte[encoded.remaining()]; // the buffer's array may be longer than its content
        encoded.get(password);
        if (encoded.hasArray()) Arrays.fill(encoded.array(), (byte) 0);
        return password;
    }

    /** The key's bytes (a copy): for the private-network layer only. */
    public byte[] bytes() {
        return key.clone();
    }

    /**
     * A short hash to compare keys aloud: the first 8 bytes of HMAC-SHA256(key, "lanchat room key fingerprint") as
     * {@code xxxx-xxxx-xxxx-xxxx}. Tells nothing about the key.
     */
    public String fingerprint() {
        byte[] h = hmac("lanchat room key fingerprint");
        String hex = HexFormat.of().formatHex(h, 0, 8);
        return hex.substring(0, 4) + "-" + hex.substring(4, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16);
    }

    /**
     * The mDNS service name of {@code room} in this private network: {@code lc-} and 32 base32 characters of
     * HMAC-SHA256(key, room), one valid DNS label. Only members can compute (and so recognise) it; the room's name is
     * never sent, and outsiders cannot tell which room it is, nor link two rooms of the same key.
     */
    public String serviceName(String room) {
        byte[] h = hmac("lanchat mdns service\0" + room);
        return "lc-" + Base32.encode(Arrays.copyOf(h, 20)); // 160 bits: 32 characters
    }

    private byte[] hmac(String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has HmacSHA256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreSharedKey other && MessageDigest.isEqual(key, other.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hmac("hash"));
    }

    /** Only the fingerprint: a key must never reach a log line. */
    @Override
    public String toString() {
        return "PreSharedKey[" + fingerprint() + "]";
    }
}
