package lanchat.api.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.FindException;
import java.nio.file.Files;
import java.nio.file.Path;

import lanchat.api.crypto.spi.Secp256k1Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the loader fails: always lazily (at the first request, never when the node starts), with one line that says what
 * is missing, where it was looked for and how to fix it. Loading real modules from a directory is tested where they
 * exist, in lanchat-crypto-bc's {@code LazyLayerTest}.
 */
class LazyCryptoTest {
    @TempDir
    Path temp;

    private static IllegalStateException missing(LazyCrypto crypto) {
        return assertThrows(IllegalStateException.class, () -> crypto.find(Secp256k1Verifier.class, "secp256k1 keys"));
    }

    @Test
    void aMissingDirectoryIsNamedWithTheFix() {
        Path dir = temp.resolve("mods").resolve(LazyCrypto.DIRECTORY);
        LazyCrypto crypto = LazyCrypto.fromDirectory(dir, ModuleLayer.boot());
        IllegalStateException first = missing(crypto);
        assertEquals("secp256k1 keys need Secp256k1Verifier from lanchat.crypto.bc (lanchat-crypto-bc and bcprov-jdk18on jars) in " + dir
                + ", but that directory does not exist; rebuild with mvn package", first.getMessage());
        IllegalStateException second = missing(crypto);
        assertEquals(first.getMessage(), second.getMessage(), "the same answer on every request");
        assertNotSame(first, second, "a fresh exception each time: callers on other threads may add to it");
    }

    @Test
    void aDirectoryWithoutTheBackendModuleSaysSo() {
        String message = missing(LazyCrypto.fromDirectory(temp, ModuleLayer.boot())).getMessage();
        assertTrue(message.endsWith("in " + temp + ", but it holds no lanchat.crypto.bc module; rebuild with mvn package"), message);
    }

    @Test
    void anUnreadableJarIsReportedWithItsCause() throws IOException {
        Files.write(temp.resolve("lanchat-crypto-bc-0.1.0.jar"), new byte[] {'n', 'o', 't', ' ', 'a', ' ', 'j', 'a', 'r'});
        IllegalStateException e = missing(LazyCrypto.fromDirectory(temp, ModuleLayer.boot()));
        assertTrue(e.getMessage().contains(", but its modules cannot be loaded: "), e.getMessage());
        assertTrue(e.getCause() instanceof FindException, String.valueOf(e.getCause()));
    }

    @Test
    void onTheClassPathItLooksOnTheClassPath() {
        // lanchat-crypto-bc depends on lanchat-api, so it cannot be a test dependency here: nothing is found
        LazyCrypto crypto = LazyCrypto.forModule(LazyCryptoTest.class.getModule());
        IllegalStateException e = missing(crypto);
        assertEquals("secp256k1 keys need Secp256k1Verifier from lanchat.crypto.bc (lanchat-crypto-bc and bcprov-jdk18on jars) on the class path, which provides none",
                e.getMessage());
        assertEquals(e.getMessage(), assertThrows(IllegalStateException.class,
                () -> LazyCrypto.capability(Secp256k1Verifier.class, "secp256k1 keys")).getMessage(), "the JVM-wide loader is the same one");
    }
}
