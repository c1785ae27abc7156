package lanchat.api.crypto;

import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolutionException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The one loader of the crypto the JDK lacks: the capability interfaces of {@link lanchat.api.crypto.spi}, implemented
 * by the module {@value #BACKEND_MODULE} with BouncyCastle's lightweight API, both kept in {@code mods/lazy/}.
 *
 * <p>Where they come from is fixed by how {@code lanchat.api} itself was loaded:
 * <ul>
 *   <li>as a named module (the app: {@code java -p mods -m lanchat.app}): from the directory {@value #DIRECTORY}
 *       next to the {@code lanchat.api} jar (or, in the runtime image {@code mods/image} that {@code ./lanchat}
 *       starts, next to the image: {@code mods/lazy} again), as a child {@link ModuleLayer} of {@code lanchat.api}'s layer, built
 *       on the first request. The JVM does not scan subdirectories of a module path, so the boot layer never sees
 *       BouncyCastle: its {@code provides java.security.Provider} would otherwise make the JDK instantiate BC's
 *       providers at the first JCA lookup of every start (≈0.3 s and ≈25 MiB);</li>
 *   <li>on the class path (unit tests): from the class path, where {@code lanchat-crypto-bc} is a test dependency.</li>
 * </ul>
 * Nothing else is searched, so which crypto a node has never depends on which plugin jars happen to be installed.
 * A capability that cannot be found fails with an {@link IllegalStateException} saying where it was looked for.
 *
 * <p>A child layer cannot add JDK modules (only the JDK's built-in loaders may define {@code java.*} classes), so the
 * JDK modules the lazy ones require must already be in the boot layer: bcprov requires {@code java.sql},
 * {@code java.logging} and {@code java.naming}, and {@code lanchat.app} requires {@code java.sql} for that reason.
 */
public final class LazyCrypto {
    /** The subdirectory, next to the {@code lanchat.api} jar, that holds the lazily loaded modules. */
    public static final String DIRECTORY = "lazy";
    /** The module that implements the capabilities. */
    public static final String BACKEND_MODULE = "lanchat.crypto.bc";

    /** The layer the capabilities come from; null: the class path of {@code lanchat.api}'s loader. */
    private final ModuleLayer layer;
    /** Where the capabilities were looked for, for messages ("on the class path", "in /…/mods/lazy"). */
    private final String source;
    /** Why none can be loaded (null when they can), and the exception behind it. */
    private final String problem;
    private final Throwable cause;

    private LazyCrypto(ModuleLayer layer, String source, String problem, Throwable cause) {
        this.layer = layer;
        this.source = source;
        this.problem = problem;
        this.cause = cause;
    }

    /**
     * The implementation of {@code capability}; the first call loads the backend modules (once per JVM).
     *
     * @param neededFor what needs it, for the message when it is missing (e.g. "secp256k1 keys")
     * @throws IllegalStateException when it is not installed, naming where it was looked for
     */
    public static <T> T capability(Class<T> capability, String neededFor) {
        return Holder.BACKEND.find(capability, neededFor);
    }

    /**
     * The one piece of static state, and why it is acceptable: what it holds is a {@link ModuleLayer}, i.e. class
     * definitions. The JVM never unloads them while a class of them is in use, defining a second copy would load
     * BouncyCastle's classes twice for nothing, and its only input, the location of {@code lanchat.api}'s own jar,
     * is fixed for the JVM's life. The holder idiom makes the JVM build it once, thread-safely, on first use, and
     * never at start-up. A failure is kept as a value (not an exception from the class initialiser), so every call
     * gets the same clear message.
     */
    private static final class Holder {
        static final LazyCrypto BACKEND = forModule(LazyCrypto.class.getModule());
    }

    /** The backend for {@code lanchat.api} loaded as {@code api}: a named module, or the class path's unnamed one. */
    static LazyCrypto forModule(Module api) {
        if (!api.isNamed()) return new LazyCrypto(null, "on the class path", null, null);
        ModuleLayer parent = api.getLayer();
        Optional<URI> location = parent.configuration().findModule(api.getName()).flatMap(m -> m.reference().location());
        if (location.isPresent() && "jrt".equals(location.get().getScheme())) {
            // linked into the runtime image mods/image (scripts/build-image.sh): mods/lazy is next to the image
            return fromDirectory(Path.of(System.getProperty("java.home")).resolveSibling(DIRECTORY), parent);
        }
        if (location.isEmpty() || !"file".equals(location.get().getScheme())) {
            return failed("in " + DIRECTORY + "/ next to the lanchat.api jar",
                    "lanchat.api was not loaded from a file but from " + location.map(URI::toString).orElse("an unknown location"), null);
        }
        return fromDirectory(Path.of(location.get()).resolveSibling(DIRECTORY), parent);
    }

    /** The backend in {@code dir}, as a child layer of {@code parent} (which holds {@code lanchat.api}). */
    static LazyCrypto fromDirectory(Path dir, ModuleLayer parent) {
        String source = "in " + dir;
        if (!Files.isDirectory(dir)) return failed(source, "that directory does not exist", null);
        try {
            ModuleFinder finder = ModuleFinder.of(dir);
            if (finder.find(BACKEND_MODULE).isEmpty()) return failed(source, "it holds no " + BACKEND_MODULE + " module", null);
            // dir is searched after the parent layers: a stray jar there can never replace lanchat.api (its types
            // would then differ from the ones the capabilities are requested with)
            Configuration cf = parent.configuration().resolveAndBind(ModuleFinder.of(), finder, Set.of(BACKEND_MODULE));
            return new LazyCrypto(parent.defineModulesWithOneLoader(cf, LazyCrypto.class.getClassLoader()), source, null, null);
        } catch (FindException | ResolutionException | LayerInstantiationException | SecurityException e) {
            return failed(source, "its modules cannot be loaded: " + e.getMessage(), e);
        }
    }

    private static LazyCrypto failed(String source, String problem, Throwable cause) {
        return new LazyCrypto(null, source, problem, cause);
    }

    <T> T find(Class<T> capability, String neededFor) {
        String needs = neededFor + " need " + capability.getSimpleName() + " from " + BACKEND_MODULE + " (lanchat-crypto-bc and bcprov-jdk18on jars) " + source;
        if (problem != null) throw new IllegalStateException(needs + ", but " + problem + "; rebuild with mvn package", cause);
        try {
            ServiceLoader<T> loader = layer != null ? ServiceLoader.load(layer, capability) : ServiceLoader.load(capability, LazyCrypto.class.getClassLoader());
            return loader.findFirst().orElseThrow(() -> new IllegalStateException(needs + ", which provides none"
                    + (layer != null ? "; rebuild with mvn package" : "")));
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException(needs + ", which fails to provide it: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "LazyCrypto[" + source + (problem != null ? ": " + problem : "") + "]";
    }
}
