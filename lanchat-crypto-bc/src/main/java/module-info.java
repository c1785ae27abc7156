/**
 * The crypto capabilities of {@code lanchat.api.crypto.spi}, done with BouncyCastle's lightweight API. Never on the
 * boot module path: the build puts it and bcprov in {@code mods/lazy/}, and {@code lanchat.api.crypto.LazyCrypto}
 * loads both as a child module layer the first time a capability is needed (see {@code lanchat.api.crypto}'s
 * package documentation for why). Exports nothing.
 */
module lanchat.crypto.bc {
    requires lanchat.api;
    requires org.bouncycastle.provider;

    provides lanchat.api.crypto.spi.Secp256k1Verifier with lanchat.crypto.bc.BcSecp256k1Verifier;
    provides lanchat.api.crypto.spi.XSalsa20 with lanchat.crypto.bc.BcXSalsa20;
    provides lanchat.api.crypto.spi.Argon2id with lanchat.crypto.bc.BcArgon2id;
    provides lanchat.api.crypto.spi.X509Reader with lanchat.crypto.bc.BcX509Reader;
}
