package lanchat.app.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import lanchat.api.crypto.PreSharedKey;
import lanchat.app.cli.LanChatCommand.UsageException;
import picocli.CommandLine.Option;

/**
 * The private-room options (issue 15), a picocli mixin of {@link LanChatCommand}: where the room key comes from. A key
 * file ({@code --room-key}, the libp2p swarm key format, so go-libp2p and js-libp2p peers can share it), or a
 * passphrase people can say aloud ({@code --secret}, {@code --secret-file}), stretched with Argon2id salted with the
 * room name ({@link PreSharedKey#fromSecret}). A passphrase is never wanted on the command line, where {@code ps}
 * and shell histories show it: {@code --secret} alone prompts (no echo) or reads {@code LANCHAT_SECRET}.
 *
 * <p>A passphrase is kept in a {@code char[]} from where it is read to the KDF, and wiped once the key is derived; the
 * file's bytes and every array on the way are wiped too. Not what this process cannot wipe: the environment variable
 * and a passphrase given as an argument are Strings the JVM holds for its whole life. Error messages name files and
 * options, never their content.
 */
final class RoomKeyOptions {
    /** Where a non-interactive {@code --secret} is read from. */
    static final String SECRET_ENV = "LANCHAT_SECRET";
    /** What picocli gives {@code --secret} without a value. */
    private static final String ASK = "\0ask";
    /** A secret file is a line of text; anything longer is a mistake (and bounds what we read). */
    private static final int MAX_SECRET_FILE = 4096;

    @Option(names = "--room-key", paramLabel = "FILE", description = "make the room private with this key file (libp2p swarm key: /key/swarm/psk/1.0.0/); "
            + "only nodes with the same key can connect, and the room's name is not sent on the wire")
    Path roomKeyFile;

    @Option(names = "--gen-room-key", paramLabel = "FILE", description = "write a new random room key to FILE (mode 0600, never overwrites) and exit")
    Path generateKeyFile;

    @Option(names = "--secret", arity = "0..1", paramLabel = "PASSPHRASE", fallbackValue = ASK,
            description = "make the room private with a passphrase: asked for without echo on a terminal, else read from $" + SECRET_ENV
                    + " (giving it here shows it to everyone who runs ps)")
    String secret;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "make the room private with the passphrase in FILE (its first line)")
    Path secretFile;

    /** {@code --gen-room-key}: writes the key and says where; false when not asked. */
    boolean generateIfAsked(PrintStream out) {
        if (generateKeyFile == null) return false;
        PreSharedKey key = PreSharedKey.generate(new SecureRandom());
        try {
            try {
                Files.createFile(generateKeyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(generateKeyFile);
            }
            Files.write(generateKeyFile, key.toSwarmKeyFile(), StandardOpenOption.TRUNCATE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            throw new UsageException("--gen-room-key: " + generateKeyFile + " exists; not overwriting it");
        } catch (IOException e) {
            throw new UsageException("--gen-room-key: cannot write " + generateKeyFile + ": " + e.getMessage());
        }
        out.println("Wrote a new room key to " + generateKeyFile + " (fingerprint " + key.fingerprint()
                + "). Give it to the room's members over a channel you trust, then: --room-key " + generateKeyFile);
        return true;
    }

    /**
     * The room key asked for, if any.
     *
     * @param room     the room name (salts a passphrase; "" without {@code --rendezvous})
     * @param terminal the terminal to prompt on, null when not interactive
     * @param warn     where the warning about a passphrase on the command line goes
     */
    Optional<PreSharedKey> load(String room, java.io.Console terminal, Map<String, String> env, PrintStream warn) {
        int given = (roomKeyFile != null ? 1 : 0) + (secret != null ? 1 : 0) + (secretFile != null ? 1 : 0);
        if (given > 1) throw new UsageException("use only one of --room-key, --secret and --secret-file");
        if (roomKeyFile != null) return Optional.of(readKeyFile());
        Optional<char[]> asked = passphrase(room, terminal, env, warn);
        if (asked.isEmpty()) return Optional.empty();
        char[] passphrase = asked.get();
        try {
            return Optional.of(PreSharedKey.fromSecret(passphrase, room));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--secret: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new UsageException("--secret: " + e.getMessage()); // the KDF is not installed (mods/lazy incomplete)
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }

    /** The passphrase asked for, if any, in an array the caller wipes; empty when no passphrase option is given. */
    Optional<char[]> passphrase(String room, java.io.Console terminal, Map<String, String> env, PrintStream warn) {
        char[] passphrase;
        if (secretFile != null) {
            passphrase = readSecretFile();
        } else if (secret == null) {
            return Optional.empty();
        } else if (!ASK.equals(secret)) {
            warn.println("lanchat: warning: a passphrase given on the command line is visible to every user of this machine (ps); "
                    + "prefer --secret alone, $" + SECRET_ENV + " or --secret-file");
            passphrase = secret.toCharArray();
        } else if (terminal != null) {
            passphrase = terminal.readPassword("Room secret%s: ", room.isEmpty() ? "" : " for '" + room + "'");
            if (passphrase == null) throw new UsageException("--secret: no passphrase read from the terminal");
        } else if (env.get(SECRET_ENV) != null) {
            passphrase = env.get(SECRET_ENV).toCharArray();
        } else {
            throw new UsageException("--secret: not on a terminal and $" + SECRET_ENV + " is not set; use --secret-file FILE");
        }
        return Optional.of(passphrase);
    }

    private PreSharedKey readKeyFile() {
        try {
            byte[] file = readBounded(roomKeyFile, PreSharedKey.MAX_FILE_BYTES);
            try {
                return PreSharedKey.parse(file);
            } finally {
                Arrays.fill(file, (byte) 0); // the key is in the PreSharedKey now; not also in this copy
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--room-key " + roomKeyFile + ": " + e.getMessage());
        }
    }

    /** The file's first line, decoded into arrays that are wiped (no String: see {@link #passphrase}). */
    private char[] readSecretFile() {
        byte[] bytes = readBounded(secretFile, MAX_SECRET_FILE);
        char[] text = new char[bytes.length]; // UTF-8 never decodes to more chars than bytes
        java.nio.CharBuffer decoded = java.nio.CharBuffer.wrap(text);
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE)
                .decode(java.nio.ByteBuffer.wrap(bytes), decoded, true);
        Arrays.fill(bytes, (byte) 0);
        int end = 0;
        while (end < decoded.position() && text[end] != '\n') end++;
        while (end > 0 && text[end - 1] == '\r') end--;
        char[] line = Arrays.copyOf(text, end);
        Arrays.fill(text, '\0');
        return line;
    }

    /**
     * The file's bytes, refused (not truncated) when longer than {@code max}, in an array the caller may wipe; every
     * other copy made on the way is wiped here.
     */
    private static byte[] readBounded(Path file, int max) {
        // a direct buffer of ours: reading into a heap array would go through the JDK's per-thread temporary direct
        // buffer, which is never zeroed (review); this one is, as is every array, whatever happens
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(max + 1);
        byte[] b = new byte[max + 1];
        try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            while (direct.hasRemaining() && in.read(direct) >= 0) {
                // until the file ends or one byte more than allowed was read
            }
            int n = direct.position();
            if (n > max) throw new UsageException(file + " is too long for a room key or secret (at most " + max + " bytes)");
            direct.flip().get(b, 0, n);
            return Arrays.copyOf(b, n);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e.getClass().getSimpleName() + (e.getMessage() != null ? " " + e.getMessage() : ""));
        } finally {
            Arrays.fill(b, (byte) 0);
            direct.clear();
            while (direct.hasRemaining()) direct.put((byte) 0);
        }
    }
}
