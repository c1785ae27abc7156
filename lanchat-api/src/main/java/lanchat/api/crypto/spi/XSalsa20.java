package lanchat.api.crypto.spi;

/**
 * The XSalsa20 stream cipher (Bernstein, "Extending the Salsa20 nonce": HSalsa20 of the key and the first 16 nonce
 * bytes, then Salsa20/20 with the last 8 as nonce and a 64-bit block counter from 0), as libp2p's private networks
 * use it (PSK v1).
 */
public interface XSalsa20 {
    /** A running keystream: each call continues where the last one stopped. Not thread-safe. */
    interface Keystream {
        /** XORs {@code length} bytes of {@code data} from {@code offset} with the next keystream bytes, in place. */
        void apply(byte[] data, int offset, int length);
    }

    /**
     * @param key   32 bytes
     * @param nonce 24 bytes
     */
    Keystream keystream(byte[] key, byte[] nonce);
}
