package lanchat.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import lanchat.api.crypto.PreSharedKey;
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
