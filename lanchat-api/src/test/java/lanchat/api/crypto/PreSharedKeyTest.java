package lanchat.api.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import lanchat.api.testkit.HeapSecret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreSharedKeyTest {
    static final String HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    static final byte[] KEY = HexFormat.of().parseHex(HEX);

    static byte[] file(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void readsEveryEncodingTheSpecAllowsWithLfOrCrlf() {
        assertArrayEquals(KEY, PreSharedKey.parse(file("/key/swarm/psk/1.0.0/\n/base16/\n" + HEX + "\n")).bytes());
        assertArrayEquals(KEY, PreSharedKey.parse(file("/key/swarm/psk/1.0.0/\r\n/base16/\r\n" + HEX.toUpperCase())).bytes());
        assertArrayEquals(KEY, PreSharedKey.parse(file("/key/swarm/psk/1.0.0/\n/base64/\n" + Base64.getEncoder().encodeToString(KEY) + "\n")).bytes());
        byte[] bin = new byte[22 + 6 + 32];
        System.arraycopy(file("/key/swarm/psk/1.0.0/\n/bin/\n"), 0, bin, 0, 28);
        System.arraycopy(KEY, 0, bin, 28, 32);
        assertArrayEquals(KEY, PreSharedKey.parse(bin).bytes());
    }

    @Test
    void writesAFileThatReadsBackAsTheSameKey() {
        PreSharedKey k = PreSharedKey.generate(new SecureRandom());
        String text = new String(k.toSwarmKeyFile(), StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("/key/swarm/psk/1.0.0/\n/base16/\n"), text);
        assertEquals(text.strip(), text.strip().toLowerCase(), "lower-case hex: js-libp2p reads base16 only");
        assertEquals(k, PreSharedKey.parse(k.toSwarmKeyFile()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/key/swarm/psk/2.0.0/\n/base16/\n" + HEX + "\n",    // wrong header
            "/base16/\n" + HEX + "\n",                             // no header
            "/key/swarm/psk/1.0.0/\n/base16/\n" + "0011" + "\n",  // short key
            "/key/swarm/psk/1.0.0/\n/base16/\n" + HEX + "00\n",   // long key
            "/key/swarm/psk/1.0.0/\n/base16/\nzz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", // bad hex
            "/key/swarm/psk/1.0.0/\n/base32/\n" + HEX + "\n",     // unknown encoding
            "/key/swarm/psk/1.0.0/\n/base64/\n!!!\n",              // bad base64
            "/key/swarm/psk/1.0.0/\n/bin/\nshort",                 // short binary key
            "",
    })
    void refusesMalformedFilesWithoutQuotingThem(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreSharedKey.parse(file(text)));
        assertFalse(e.getMessage().contains("0011"), e.getMessage());
    }

    @Test
    void refusesAHugeFileFromItsLength() {
        byte[] huge = new byte[PreSharedKey.MAX_FILE_BYTES + 1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreSharedKey.parse(huge));
        assertTrue(e.getMessage().contains("at most"), e.getMessage());
    }

    @Test
    void neverPrintsTheKey() {
        PreSharedKey k = PreSharedKey.of(KEY);
        assertFalse(k.toString().contains(HEX.substring(0, 8)), k.toString());
        assertTrue(k.fingerprint().matches("[0-9a-f]{4}(-[0-9a-f]{4}){3}"), k.fingerprint());
        assertNotEquals(k.fingerprint(), PreSharedKey.generate(new SecureRandom()).fingerprint());
    }

    @Test
    void theServiceNameIsOneDnsLabelThatHidesTheRoomAndDependsOnTheKey() {
        PreSharedKey k = PreSharedKey.of(KEY);
        String name = k.serviceName("team-room");
        assertTrue(name.matches("lc-[a-z2-7]{32}"), name);
        assertFalse(name.contains("team"), name);
        assertEquals(name, PreSharedKey.of(KEY).serviceName("team-room"), "members compute the same name");
        assertNotEquals(name, k.serviceName("team-room2"));
        assertNotEquals(name, PreSharedKey.generate(new SecureRandom()).serviceName("team-room"));
    }

    /**
     * Review of issue 15: the passphrase goes to the KDF as bytes made straight from its array (wiped by the caller), no
     * String on the way (it could not be wiped). The scan is checked first: it finds the passphrase the test holds.
     */
    @Test
    void aPassphraseBecomesKdfInputWithoutAStringCopy(@TempDir Path dir) throws IOException {
        HeapSecret secret = new HeapSecret(24);
        char[] passphrase = secret.chars();
        assertTrue(secret.inHeap(dir), "the scan finds a passphrase that is there");
        byte[] input = PreSharedKey.kdfInput(passphrase);
        byte[] expected = secret.bytes();
        boolean same = Arrays.equals(expected, input);
        Arrays.fill(expected, (byte) 0);
        Arrays.fill(input, (byte) 0);
        Arrays.fill(passphrase, '\0');
        assertTrue(same, "an ASCII passphrase is its own UTF-8");
        assertFalse(secret.inHeap(dir), "a copy of the passphrase is left in the heap");
    }
}
