package lanchat.api.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VarintTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    /** multiformats/unsigned-varint README examples, plus the 9-byte upper bound. */
    @ParameterizedTest(name = "{0} <-> {1}")
    @CsvSource({
        "0,                   00",
        "1,                   01",
        "127,                 7f",
        "128,                 8001",
        "255,                 ff01",
        "300,                 ac02",
        "16384,               808001",
        "2097151,             ffff7f",
        "2097152,             80808001",
        "4294967295,          ffffffff0f",
        "9223372036854775807, ffffffffffffffff7f",
    })
    void specVectors(long value, String encoded) {
        assertArrayEquals(hex(encoded), Varint.encode(value));
        assertEquals(encoded.length() / 2, Varint.size(value));
        ByteBuffer in = ByteBuffer.wrap(hex(encoded + "aa"));
        assertEquals(value, Varint.read(in));
        assertEquals(encoded.length() / 2, in.position(), "read consumes exactly the varint");
    }

    @Test
    void sizeMatchesTheEncodingAtEverySevenBitBoundary() {
        for (int bits = 0; bits <= 63; bits++) {
            long v = bits == 63 ? Long.MAX_VALUE : (1L << bits);
            assertEquals(Varint.encode(v).length, Varint.size(v), "2^" + bits);
            assertEquals(Varint.encode(v - 1 < 0 ? 0 : v - 1).length, Varint.size(v - 1 < 0 ? 0 : v - 1));
        }
        assertEquals(9, Varint.size(Long.MAX_VALUE));
    }

    @Test
    void writeAppendsToAStream() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Varint.write(300, out);
        Varint.write(1, out);
        assertArrayEquals(hex("ac0201"), out.toByteArray());
        ByteBuffer in = ByteBuffer.wrap(out.toByteArray());
        assertEquals(300, Varint.read(in));
        assertEquals(1, Varint.read(in));
    }

    @Test
    void negativeValuesCannotBeEncoded() {
        assertThrows(IllegalArgumentException.class, () -> Varint.encode(-1));
        assertThrows(IllegalArgumentException.class, () -> Varint.size(Long.MIN_VALUE));
        assertThrows(IllegalArgumentException.class, () -> Varint.write(-5, new ByteArrayOutputStream()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "80", "ff", "8080", "ffffffff", "ffffffffffffffff"})
    void truncatedVarintsAreRejected(String encoded) {
        assertEquals("truncated varint", assertThrows(IllegalArgumentException.class, () -> Varint.read(ByteBuffer.wrap(hex(encoded)))).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"8000", "8100", "ff00", "808000", "ff8000", "ffffffffffffffff00"})
    void nonMinimalVarintsAreRejected(String encoded) {
        assertEquals("varint is not minimally encoded", assertThrows(IllegalArgumentException.class, () -> Varint.read(ByteBuffer.wrap(hex(encoded)))).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ffffffffffffffffff01", "80808080808080808001", "ffffffffffffffffff7f", "ffffffffffffffffffff01"})
    void varintsLongerThanNineBytesAreRejected(String encoded) {
        assertEquals("varint longer than 9 bytes", assertThrows(IllegalArgumentException.class, () -> Varint.read(ByteBuffer.wrap(hex(encoded)))).getMessage());
    }

    @Test
    void readIntRejectsValuesBeyondIntRange() {
        assertEquals(Integer.MAX_VALUE, Varint.readInt(ByteBuffer.wrap(Varint.encode(Integer.MAX_VALUE))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Varint.readInt(ByteBuffer.wrap(Varint.encode(1L << 31))));
        assertEquals("varint too large: 2147483648", e.getMessage());
    }

    @Test
    void randomValuesRoundTrip() {
        Random rnd = new Random(11);
        for (int i = 0; i < 5000; i++) {
            long v = rnd.nextLong() >>> (1 + rnd.nextInt(63)); // spread over every length
            byte[] enc = Varint.encode(v);
            assertEquals(Varint.size(v), enc.length);
            ByteBuffer in = ByteBuffer.wrap(enc);
            assertEquals(v, Varint.read(in));
            assertEquals(0, in.remaining());
        }
    }

    @Test
    void randomBytesEitherDecodeCanonicallyOrAreAnIllegalArgument() {
        Random rnd = new Random(12);
        for (int i = 0; i < 5000; i++) {
            byte[] bytes = new byte[rnd.nextInt(12)];
            rnd.nextBytes(bytes);
            if (rnd.nextBoolean()) for (int j = 0; j < bytes.length - 1; j++) bytes[j] |= (byte) 0x80; // long continuations
            ByteBuffer in = ByteBuffer.wrap(bytes);
            try {
                long v = Varint.read(in);
                // at most one encoding per value: what was read is exactly the canonical encoding
                assertArrayEquals(Varint.encode(v), Arrays.copyOf(bytes, in.position()));
            } catch (IllegalArgumentException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("Varint.read(" + HexFormat.of().formatHex(bytes) + ") threw " + e, e);
            }
        }
    }
}
