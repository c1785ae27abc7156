package lanchat.crypto.bc;

import static lanchat.crypto.bc.GoVectors.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import lanchat.api.crypto.LazyCrypto;
import lanchat.api.crypto.PeerPublicKey;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LazyCrypto} as the app uses it: {@code lanchat.api} is a named module loaded from a jar in {@code mods/}, and
 * the backend comes from jars in {@code mods/lazy/}. The test lays out such a directory from this build's artifacts
 * (lanchat-api's and this module's classes, jarred, and the bcprov jar), defines {@code lanchat.api} in a module layer
 * of its own, as {@code java -p mods} would in the boot layer, and asks that copy of {@code LazyCrypto} for a
 * capability. That copy's types are not the class path's, so it is driven through reflection.
 */
class LazyLayerTest {
    @TempDir
    Path mods;

    /** The lanchat.api module of a fresh layer whose module path is {@code mods}, like {@code java -p mods}. */
    private Module apiModule() {
        ModuleFinder modulePath = ModuleFinder.of(mods);
        assertEquals(Set.of("lanchat.api"), modulePath.findAll().stream().map(r -> r.descriptor().name()).collect(Collectors.toSet()),
                "a module path does not look into subdirectories: lazy/ stays out of this layer");
        Configuration cf = ModuleLayer.boot().configuration().resolve(modulePath, ModuleFinder.of(), Set.of("lanchat.api"));
        // the platform loader as parent: the class path's copy of lanchat.api (and of BouncyCastle) stays invisible
        ModuleLayer layer = ModuleLayer.defineModulesWithOneLoader(cf, List.of(ModuleLayer.boot()), ClassLoader.getPlatformClassLoader()).layer();
        return layer.findModule("lanchat.api").orElseThrow();
    }

    /** {@code LazyCrypto.capability(Secp256k1Verifier.class, "secp256k1 keys")} of {@code api}'s copy. */
    private static Object secp256k1Verifier(Module api) throws Exception {
        Class<?> lazyCrypto = Class.forName("lanchat.api.crypto.LazyCrypto", true, api.getClassLoader());
        assertSame(api, lazyCrypto.getModule());
        try {
            return lazyCrypto.getMethod("capability", Class.class, String.class).invoke(null, verifierType(api), "secp256k1 keys");
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }

    private static Class<?> verifierType(Module api) throws ClassNotFoundException {
        return Class.forName("lanchat.api.crypto.spi.Secp256k1Verifier", false, api.getClassLoader());
    }

    private static boolean verify(Object verifier, Module api, byte[] key, byte[] data, byte[] sig) throws Exception {
        Method verify = verifierType(api).getMethod("verify", byte[].class, byte[].class, byte[].class);
        return (boolean) verify.invoke(verifier, key, data, sig);
    }

    @Test
    void theBackendComesFromLazyNextToTheApiJarAsAChildLayer() throws Exception {
        installApi();
        Path lazy = Files.createDirectories(mods.resolve(LazyCrypto.DIRECTORY));
        installBackend(lazy);
        installBouncyCastle(lazy);
        Module api = apiModule();

        Object verifier = secp256k1Verifier(api);
        Module backend = verifier.getClass().getModule();
        assertEquals(LazyCrypto.BACKEND_MODULE, backend.getName());
        ModuleLayer child = backend.getLayer();
        assertEquals(List.of(api.getLayer()), child.parents(), "a child of lanchat.api's layer");
        assertEquals(Set.of(LazyCrypto.BACKEND_MODULE, "org.bouncycastle.provider"), child.modules().stream().map(Module::getName).collect(Collectors.toSet()));
        assertTrue(backend.canRead(api), "it implements the capability of the api module that asked");
        assertNotSame(ECDSASigner.class, child.findLoader("org.bouncycastle.provider").loadClass(ECDSASigner.class.getName()),
                "BouncyCastle from lazy/, not the class path's");

        PeerPublicKey go = PeerPublicKey.decode(hex(GoVectors.PUBLIC_KEY));
        byte[] message = GoVectors.MESSAGE;
        assertTrue(verify(verifier, api, go.data(), message, hex(GoVectors.SIGNATURE)));
        assertFalse(verify(verifier, api, go.data(), "tampered".getBytes(StandardCharsets.UTF_8), hex(GoVectors.SIGNATURE)));

        assertSame(child, secp256k1Verifier(api).getClass().getModule().getLayer(), "the layer is built once");
        assertTrue(Arrays.stream(Security.getProviders()).noneMatch(p -> p.getName().equals("BC")),
                "BouncyCastle's JCA provider is never installed: only its lightweight API is used");
    }

    @Test
    void withoutLazyTheErrorNamesTheDirectoryAndTheFix() throws Exception {
        installApi();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> secp256k1Verifier(apiModule()));
        assertEquals("secp256k1 keys need Secp256k1Verifier from lanchat.crypto.bc (lanchat-crypto-bc and bcprov-jdk18on jars) in "
                + mods.resolve(LazyCrypto.DIRECTORY) + ", but that directory does not exist; rebuild with mvn package", e.getMessage());
    }

    @Test
    void withoutBouncyCastleTheMissingModuleIsNamed() throws Exception {
        installApi();
        installBackend(Files.createDirectories(mods.resolve(LazyCrypto.DIRECTORY)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> secp256k1Verifier(apiModule()));
        assertTrue(e.getMessage().contains(", but its modules cannot be loaded: Module org.bouncycastle.provider not found, required by lanchat.crypto.bc; rebuild with mvn package"),
                e.getMessage());
    }

    // ---- a mods/ directory from this build's artifacts ----

    private void installApi() throws Exception {
        install(PeerPublicKey.class, mods.resolve("lanchat-api-test.jar"));
    }

    private static void installBackend(Path lazy) throws Exception {
        install(BcSecp256k1Verifier.class, lazy.resolve("lanchat-crypto-bc-test.jar"));
    }

    private static void installBouncyCastle(Path lazy) throws Exception {
        install(ECDSASigner.class, lazy.resolve("bcprov-test.jar"));
    }

    /** Copies the jar {@code type} was loaded from, or jars up the classes directory (a reactor build's target/classes). */
    private static void install(Class<?> type, Path jar) throws IOException, URISyntaxException {
        Path from = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(from)) {
            Files.copy(from, jar);
            return;
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(from.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out); // leaves the jar stream open
                out.closeEntry();
            }
        }
        assertTrue(ModuleFinder.of(jar).findAll().stream().map(ModuleReference::descriptor).anyMatch(d -> !d.isAutomatic()), jar + " is a named module");
    }
}
