package lanchat.crypto.bc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import lanchat.api.crypto.LazyCrypto;
import lanchat.api.crypto.PreSharedKey;
import lanchat.api.crypto.spi.Argon2id;
import org.junit.jupiter.api.Test;

/**
 * Known answers for the room passphrase's key derivation (issue 15): the Argon2id vector of the reference
 * implementation's test.c, and our parameters checked against Go's {@code argon2.IDKey} (golang.org/x/crypto v0.54.0).
 * XSalsa20 is checked against Go where it is used, in lanchat-transport-tcp's {@code PrivateNetworkTest}.
 */
class RoomCryptoTest {
    @Test
    void argon2idMatchesTheReferenceVector() {
        // phc-winner-argon2 test.c: argon2id v=0x13, t=2, m=2^16 KiB, p=1, "password", "somesalt"
        byte[] out = LazyCrypto.capability(Argon2id.class, "tests").derive("password".getBytes(StandardCharsets.US_ASCII),
                "somesalt".getBytes(StandardCharsets.US_ASCII), 65536, 2, 1, 32);
        assertEquals("09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7", HexFormat.of().formatHex(out));
    }

    @Test
    void aRoomSecretDerivesTheDocumentedKey() {
        // Go: argon2.IDKey("correct horse battery staple", "lanchat private room v1\x00team", 1, 47104, 1, 32)
        PreSharedKey key = PreSharedKey.fromSecret("correct horse battery staple".toCharArray(), "team");
        assertArrayEquals(HexFormat.of().parseHex("c733db90b404ac68fbdee3362131b9e6f7f1ea236927b46b20f3b98d18f4f5fb"), key.bytes());
        assertNotEquals(key, PreSharedKey.fromSecret("correct horse battery staple".toCharArray(), "team2"), "the room name salts the key");
    }
}
