/**
 * Crypto capabilities the JDK lacks, one small interface each, implemented by the module {@code lanchat.crypto.bc}
 * (BouncyCastle's lightweight API) and obtained only through {@link lanchat.api.crypto.LazyCrypto#capability}, which
 * loads that module from {@code mods/lazy/} on first use. See {@link lanchat.api.crypto} for why and how.
 */
package lanchat.api.crypto.spi;
