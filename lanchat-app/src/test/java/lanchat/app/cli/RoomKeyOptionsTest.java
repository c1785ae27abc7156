package lanchat.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import lanchat.api.crypto.PreSharedKey;
import lanchat.api.testkit.HeapSecret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Where the room key comes from, as the command line reads it (no terminal here: {@code System.console()} is null). */
class RoomKeyOptionsTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    Optional<PreSharedKey> load(Map<String, String> env, String... args) {
        LanChatCommand cmd = new LanChatCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.roomKey.load("team", null, env, new PrintStream(warnings, true, StandardCharsets.UTF_8));
    }

    String warned() {
        return warnings.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noOptionIsAnOpenRoomEvenWithTheVariableSet() {
        assertEquals(Optional.empty(), load(Map.of(RoomKeyOptions.SECRET_ENV, "x"), "--rendezvous", "team"));
    }

    @Test
    void theSamePassphraseFromTheVariableAFileOrTheCommandLineIsTheSameKey() throws IOException {
        Path file = Files.writeString(dir.resolve("secret"), "correct horse battery staple\r\nsecond line ignored\n");
        PreSharedKey fromFile = load(Map.of(), "--secret-file", file.toString()).orElseThrow();
        assertEquals("", warned());
        assertEquals(fromFile, load(Map.of(RoomKeyOptions.SECRET_ENV, "correct horse battery staple"), "--secret").orElseThrow());
        assertEquals("", warned());
        assertEquals(fromFile, load(Map.of(), "--secret", "correct horse battery staple").orElseThrow());
        assertTrue(warned().contains("ps"), "a passphrase on the command line is visible to others: " + warned());
    }

    /**
     * Review of issue 15: a passphrase read from a file is held in an array (wiped once the key is derived), never in a
     * String, which cannot be wiped and stays in the heap until collected (or in a heap dump, or swap): once read, no
     * other copy is in the heap, reachable or not. ({@code PreSharedKeyTest} checks the derivation the same way.)
     */
    @Test
    void aPassphraseFromAFileIsReadWithoutACopy() throws IOException {
        HeapSecret secret = new HeapSecret(24);
        byte[] content = secret.bytes();
        Path file = Files.write(dir.resolve("secret"), content);
        Arrays.fill(content, (byte) 0);
        LanChatCommand cmd = new LanChatCommand();
        new CommandLine(cmd).parseArgs("--secret-file", file.toString());
        char[] read = cmd.roomKey.passphrase("team", null, Map.of(), new PrintStream(warnings, true, StandardCharsets.UTF_8)).orElseThrow();
        char[] expected = secret.chars();
        boolean same = Arrays.equals(expected, read);
        Arrays.fill(expected, '\0');
        Arrays.fill(read, '\0');
        assertTrue(same, "the file's first line");
        assertFalse(secret.inHeap(dir), "a copy of the passphrase is left in the heap");
    }

    @Test
    void aPassphraseIsTheSameWhicheverWayItsAccentsWereTyped() {
        // "é" precomposed (as most keyboards type it) and decomposed (e + combining acute, as macOS file names store it)
        assertEquals(load(Map.of(), "--secret", "caf\u00e9 au lait").orElseThrow(), load(Map.of(), "--secret", "cafe\u0301 au lait").orElseThrow());
    }

    @Test
    void aKeyFileIsReadAsIs() throws IOException {
        PreSharedKey key = PreSharedKey.generate(new java.security.SecureRandom());
        Path file = Files.write(dir.resolve("room.key"), key.toSwarmKeyFile());
        assertEquals(key, load(Map.of(), "--room-key", file.toString()).orElseThrow());
    }

    @Test
    void missingOrConflictingOrEmptyKeyMaterialIsAUsageError() throws IOException {
        LanChatCommand.UsageException e = assertThrows(LanChatCommand.UsageException.class, () -> load(Map.of(), "--secret"));
        assertTrue(e.getMessage().contains(RoomKeyOptions.SECRET_ENV), e.getMessage());
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThrows(LanChatCommand.UsageException.class, () -> load(Map.of(), "--secret-file", empty.toString()));
        assertThrows(LanChatCommand.UsageException.class, () -> load(Map.of(RoomKeyOptions.SECRET_ENV, "  "), "--secret"));
        e = assertThrows(LanChatCommand.UsageException.class, () -> load(Map.of(), "--secret", "a", "--room-key", empty.toString()));
        assertTrue(e.getMessage().contains("only one"), e.getMessage());
    }
}
