package lanchat.api.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Base32Test {

    /** RFC 4648 section 10 vectors, lower-cased and without padding (multibase 'b'), plus the multibase vector. */
    @ParameterizedTest(name = "''{0}'' <-> {1}")
    @CsvSource({
        "'',          ''",
        "f,           my",
        "fo,          mzxq",
        "foo,         mzxw6",
        "foob,        mzxw6yq",
        "fooba,       mzxw6ytb",
        "foobar,      mzxw6ytboi",
        "'yes mani !', pfsxgidnmfxgsibb",
    })
    void rfc4648Vectors(String plain, String text) {
        byte[] bytes = plain.getBytes(StandardCharsets.US_ASCII);
        assertEquals(text, Base32.encode(bytes));
        assertArrayEquals(bytes, Base32.decode(text));
        assertArrayEquals(bytes, Base32.decode(text.toUpperCase()), "decoding is case-insensitive");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "my======   | invalid base32 character '='",
        "m0         | invalid base32 character '0' at position 1",
        "m1         | invalid base32 character '1'",
        "m8         | invalid base32 character '8'",
        "'m y'      | invalid base32 character ' '",
        "mé         | invalid base32 character 'é'",
    })
    void charactersOutsideTheAlphabetAreRejected(String text, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Base32.decode(text));
        assertTrue(e.getMessage().startsWith(fragment), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u212Ay", "m\u212A", "\u0130a"})
    void nonAsciiLettersThatLowerCaseIntoTheAlphabetAreRejected(String text) {
        // Character.toLowerCase maps the Kelvin sign U+212A to 'k' and the dotted capital I U+0130 to 'i'
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Base32.decode(text));
        assertTrue(e.getMessage().startsWith("invalid base32 character"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"m", "mzx", "mzxw6y", "a", "aaa", "aaaaaa", "aaaaaaaaa"})
    void impossibleLengthsAreRejected(String text) {
        assertEquals("invalid base32 length or trailing bits", assertThrows(IllegalArgumentException.class, () -> Base32.decode(text)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mz", "mzxr", "mzxw7", "mzxw6yr", "mzxw6ytboj"})
    void nonZeroTrailingBitsAreRejected(String text) {
        // each is a valid vector above with its unused low bits set: accepting them would give one value two spellings
        assertEquals("invalid base32 length or trailing bits", assertThrows(IllegalArgumentException.class, () -> Base32.decode(text)).getMessage());
    }

    @Test
    void randomBytesRoundTripAndMatchAnIndependentEncoding() {
        Random rnd = new Random(31);
        for (int i = 0; i < 3000; i++) {
            byte[] b = new byte[rnd.nextInt(60)];
            rnd.nextBytes(b);
            String text = Base32.encode(b);
            assertTrue(text.matches("[a-z2-7]*"), text);
            assertEquals((b.length * 8 + 4) / 5, text.length());
            assertArrayEquals(b, Base32.decode(text));
        }
        // cross-check against an independent encoder: base32 of 5 bytes is base-32 digits of a 40-bit number
        byte[] five = {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 0x01};
        long n = Long.parseLong("deadbeef01", 16);
        StringBuilder expected = new StringBuilder();
        for (int shift = 35; shift >= 0; shift -= 5) expected.append("abcdefghijklmnopqrstuvwxyz234567".charAt((int) (n >> shift) & 31));
        assertEquals(expected.toString(), Base32.encode(five));
        assertArrayEquals(five, Base32.decode(expected.toString()));
    }

    @Test
    void randomTextDecodesCanonicallyOrIsAnIllegalArgument() {
        Random rnd = new Random(32);
        String chars = "abcdefghijklmnopqrstuvwxyz234567ABCXYZ0189=+ \u212a\u0130";
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = rnd.nextInt(40); n > 0; n--) sb.append(chars.charAt(rnd.nextInt(i % 2 == 0 ? 32 : chars.length())));
            String text = sb.toString();
            try {
                byte[] decoded = Base32.decode(text);
                assertEquals(text.toLowerCase(java.util.Locale.ROOT), Base32.encode(decoded), "one spelling per byte string, up to case");
            } catch (IllegalArgumentException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("Base32.decode(\"" + text + "\") threw " + e, e);
            }
        }
    }
}
