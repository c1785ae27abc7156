/**
 * Peer keys and the crypto the JDK lacks.
 *
 * <p>{@link lanchat.api.crypto.PeerPublicKey} verifies libp2p signatures: Ed25519, RSA and ECDSA with the JDK's
 * providers, secp256k1 (which the JDK dropped) through {@link lanchat.api.crypto.LazyCrypto}.
 *
 * <h2>Lazily loaded crypto</h2>
 *
 * What the JDK does not have (secp256k1; XSalsa20 for libp2p private networks and Argon2id for room passphrases,
 * see {@link lanchat.api.crypto.PreSharedKey}; later X.509 certificate building for libp2p TLS) comes from
 * BouncyCastle's lightweight API, wrapped by the
 * module {@code lanchat.crypto.bc}. Neither may sit on the boot module path: bcprov declares
 * {@code provides java.security.Provider}, and the JDK's provider lookup at start-up (JDK 17 loads SunEC through
 * {@code ServiceLoader<Provider>}) then instantiates BouncyCastle's providers in every process, measured at +0.3 s of
 * start-up and +25 MiB RSS, whether or not a node ever meets a key that needs them.
 *
 * <pre>
 * mods/                         java -p mods -m lanchat.app: the boot layer (the JVM does not look into lazy/)
 *   lanchat-api-….jar  …
 *   lazy/
 *     lanchat-crypto-bc-….jar   module lanchat.crypto.bc: provides the capabilities of lanchat.api.crypto.spi
 *     bcprov-jdk18on-….jar      module org.bouncycastle.provider
 * </pre>
 *
 * On the first request for a capability, {@link lanchat.api.crypto.LazyCrypto} resolves {@code lazy/} (found next to
 * the jar {@code lanchat.api} was loaded from) as a child module layer of {@code lanchat.api}'s layer and takes the
 * capability from it with {@code ServiceLoader.load(layer, …)}. A JCA lookup never searches a child layer, so
 * BouncyCastle's providers stay uninstantiated even then. Unit tests run on the class path, where
 * {@code lanchat-crypto-bc} is a test dependency and is found on the class path. Anything missing is an
 * {@link java.lang.IllegalStateException} naming the directory and the fix ({@code mvn package} fills it). JDK modules
 * that the lazy modules require must be in the boot layer, since a child layer cannot define {@code java.*} modules:
 * {@code lanchat.app} requires {@code java.sql} for bcprov.
 *
 * <h2>Capabilities</h2>
 *
 * Each capability is one small interface in {@link lanchat.api.crypto.spi}, a service of its own: the module system's
 * service binding is the registry, and there is no interface that everything must implement. Adding one:
 * <ol>
 *   <li>an interface in {@code lanchat.api.crypto.spi}, and {@code uses} it in {@code lanchat.api}'s module-info
 *       ({@code ServiceLoader} requires it of the module that loads);</li>
 *   <li>its implementation in {@code lanchat.crypto.bc}: {@code provides … with …} in module-info, and the same line
 *       in {@code META-INF/services} for the class path;</li>
 *   <li>callers ask {@code LazyCrypto.capability(TheInterface.class, "what needs it")} where it is needed, never at
 *       start-up.</li>
 * </ol>
 */
package lanchat.api.crypto;
