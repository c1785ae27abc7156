package lanchat.api.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import lanchat.api.SpecVectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Base58Test {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    /** Bitcoin Core's base58_encode_decode.json vectors. */
    @ParameterizedTest(name = "{0} <-> {1}")
    @CsvSource({
        "'',                                                   ''",
        "61,                                                   2g",
        "626262,                                               a3gV",
        "636363,                                               aPEr",
        "73696d706c792061206c6f6e6720737472696e67,             2cFupjhnEsSn59qHXstmK2ffpLv2",
        "00eb15231dfceb60925886b67d065299925915aeb172c06647,   1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L",
        "516b6fcd0f,                                           ABnLTmg",
        "bf4f89001e670274dd,                                   3SEo3LWLoPntC",
        "572e4794,                                             3EFU7m",
        "ecac89cad93923c02321,                                 EJDM8drfXA6uyA",
        "10c8511e,                                             Rt5zm",
        "00000000000000000000,                                 1111111111",
        "00,                                                   1",
        "0000ff,                                               115Q",
    })
    void bitcoinVectors(String hexBytes, String text) {
        assertEquals(text, Base58.encode(hex(hexBytes)));
        assertArrayEquals(hex(hexBytes), Base58.decode(text));
    }

    /** multiformats/multibase test vectors (base58btc, without the 'z' prefix). */
    @ParameterizedTest(name = "{1}")
    @CsvSource({
        "'yes mani !',         7paNL19xttacUY",
        "'\u0000yes mani !',   17paNL19xttacUY",
        "'\u0000\u0000yes mani !', 117paNL19xttacUY",
        "'Decentralize everything!!', UXE7GvtEk8XTXs1GF8HSGbVA9FCX9SEBPe",
    })
    void multibaseVectors(String plain, String text) {
        byte[] bytes = plain.getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(text, Base58.encode(bytes));
        assertArrayEquals(bytes, Base58.decode(text));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "0abc    | invalid base58 character '0' at position 0",
        "abcO    | invalid base58 character 'O' at position 3",
        "aIb     | invalid base58 character 'I' at position 1",
        "al      | invalid base58 character 'l' at position 1",
        "a+b     | invalid base58 character '+' at position 1",
        "'a b'   | invalid base58 character ' ' at position 1",
        "aé      | invalid base58 character 'é' at position 1",
        "a\u0661 | invalid base58 character '\u0661' at position 1",
        "a\u007f | invalid base58 character '\u007f' at position 1",
    })
    void charactersOutsideTheAlphabetAreRejected(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Base58.decode(text)).getMessage());
    }

    @Test
    void randomBytesRoundTripAndMatchTheReferenceEncoder() {
        Random rnd = new Random(21);
        for (int i = 0; i < 3000; i++) {
            byte[] b = new byte[rnd.nextInt(50)];
            rnd.nextBytes(b);
            for (int z = rnd.nextInt(4); z > 0 && z <= b.length; z--) b[z - 1] = 0; // leading zeros
            String text = Base58.encode(b);
            assertEquals(SpecVectors.base58(b), text);
            assertArrayEquals(b, Base58.decode(text));
        }
    }

    @Test
    void randomTextDecodesCanonicallyOrIsAnIllegalArgument() {
        Random rnd = new Random(22);
        String chars = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl/+= é\u0000\uffff";
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = rnd.nextInt(40); n > 0; n--) sb.append(chars.charAt(rnd.nextInt(i % 2 == 0 ? 58 : chars.length())));
            String text = sb.toString();
            try {
                byte[] decoded = Base58.decode(text);
                assertEquals(text, Base58.encode(decoded), "base58 has one text per byte string");
            } catch (IllegalArgumentException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("Base58.decode(\"" + text + "\") threw " + e, e);
            }
        }
    }
}
