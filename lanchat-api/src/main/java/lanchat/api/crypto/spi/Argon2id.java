package lanchat.api.crypto.spi;

/** Argon2id (RFC 9106), version 0x13: a memory-hard key derivation from a passphrase. */
public interface Argon2id {
    /**
     * @param password    the passphrase's bytes (the caller clears them afterwards)
     * @param salt        at least 8 bytes
     * @param memoryKiB   memory cost m in KiB
     * @param iterations  time cost t
     * @param parallelism lanes p
     * @param length      output bytes
     */
    byte[] derive(byte[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length);
}
