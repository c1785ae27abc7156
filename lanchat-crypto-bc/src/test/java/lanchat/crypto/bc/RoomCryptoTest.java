package lanchat.crypto.bc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import lanchat.api.crypto.LazyCrypto;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.crypto.spi.Argon2id;
import lanchat.api.crypto.spi.XSalsa20;
import org.junit.jupiter.api.Test;

/**
 * Known answers for the private-room crypto (issue 15), produced with Go's golang.org/x/crypto v0.54.0
 * ({@code salsa20.XORKeyStream} with a 24-byte nonce is XSalsa20, what go-libp2p's pnet runs;
 * {@code argon2.IDKey}), and the Argon2id vector of the reference implementation's test.c.
 */
class RoomCryptoTest {
    static final byte[] KEY = new byte[32];
    static final byte[] NONCE = new byte[24];
    static {
        for (int i = 0; i < 32; i++) KEY[i] = (byte) i;
        for (int i = 0; i < 24; i++) NONCE[i] = (byte) (0xa0 + i);
    }
    static final byte[] MESSAGE = "hello private room, this is a known-answer test of XSalsa20 over 80 bytes........"
            .getBytes(StandardCharsets.US_ASCII);
    static final String GO_CIPHERTEXT = "2923c7f973141433ab7332352aaa2f7408e64afbdf38db8c4237c651ec833faa59e2d937e30894d912591b"
            + "3f93db02e63bfdf0f66aea644c517963f425158a74efd27b844c3d15408c654e1821c527de4e";
    /** The last 32 keystream bytes of the first MiB. */
    static final String GO_KEYSTREAM_AT_1MIB = "44898b26eabe856b9ce57a3b7fcec7b64de02636271a828c0eddcab33b283927";

    final XSalsa20 xsalsa = LazyCrypto.capability(XSalsa20.class, "tests");

    @Test
    void xsalsa20MatchesGoInOneCall() {
        byte[] data = MESSAGE.clone();
        xsalsa.keystream(KEY, NONCE).apply(data, 0, data.length);
        assertEquals(GO_CIPHERTEXT, HexFormat.of().formatHex(data));
    }

    @Test
    void xsalsa20KeystreamContinuesAcrossCallsOfAnySize() {
        byte[] data = MESSAGE.clone();
        XSalsa20.Keystream ks = xsalsa.keystream(KEY, NONCE);
        ks.apply(data, 0, 1);
        ks.apply(data, 1, 62);
        ks.apply(data, 63, data.length - 63);
        assertEquals(GO_CIPHERTEXT, HexFormat.of().formatHex(data));

        byte[] mib = new byte[1 << 20];
        XSalsa20.Keystream big = xsalsa.keystream(KEY, NONCE);
        for (int off = 0; off < mib.length; off += 1000) big.apply(mib, off, Math.min(1000, mib.length - off));
        assertEquals(GO_KEYSTREAM_AT_1MIB, HexFormat.of().formatHex(Arrays.copyOfRange(mib, mib.length - 32, mib.length)));
    }

    @Test
    void argon2idMatchesTheReferenceVector() {
        // phc-winner-argon2 test.c: argon2id v=0x13, t=2, m=2^16 KiB, p=1, "password", "somesalt"
        byte[] out = LazyCrypto.capability(Argon2id.class, "tests").derive("password".getBytes(StandardCharsets.US_ASCII),
                "somesalt".getBytes(StandardCharsets.US_ASCII), 65536, 2, 1, 32);
        assertEquals("09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7", HexFormat.of().formatHex(out));
    }

    @Test
    void aRoomSecretDerivesTheDocumentedKey() {
        // Go: argon2.IDKey("correct horse battery staple", "lanchat private room v1\x00team", 3, 65536, 1, 32)
        PreSharedKey key = PreSharedKey.fromSecret("correct horse battery staple".toCharArray(), "team");
        assertArrayEquals(HexFormat.of().parseHex("291679f9d6f021412e334f2086cbb6e2198f8c25f88126753b1177c37242c685"), key.bytes());
        assertNotEquals(key, PreSharedKey.fromSecret("correct horse battery staple".toCharArray(), "team2"), "the room name salts the key");
    }
}
