package lanchat.api.internal;

import static lanchat.api.internal.Bytes.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProtoReaderTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void readsWhatProtoWriterWrites() {
        byte[] msg = new ProtoWriter().varint(1, 150).bytes(2, new byte[] {1, 2, 3}).string(3, "héllo").varint(536870911, Long.MAX_VALUE).toByteArray();
        ProtoReader r = new ProtoReader(msg);
        assertTrue(r.next());
        assertEquals(1, r.field());
        assertEquals(ProtoReader.VARINT, r.wireType());
        assertEquals(150, r.varint());
        assertTrue(r.next());
        assertEquals(2, r.field());
        assertEquals(ProtoReader.LEN, r.wireType());
        assertArrayEquals(new byte[] {1, 2, 3}, r.bytes());
        assertTrue(r.next());
        assertEquals("héllo", r.string());
        assertTrue(r.next());
        assertEquals(536870911, r.field());
        assertEquals(Long.MAX_VALUE, r.varint());
        assertFalse(r.next());
        assertFalse(r.next());
    }

    @Test
    void protobufSpecExampleEncodes() {
        // protobuf encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 74 65 73 74 69 6e 67
        assertArrayEquals(hex("089601"), new ProtoWriter().varint(1, 150).toByteArray());
        assertArrayEquals(hex("120774657374696e67"), new ProtoWriter().string(2, "testing").toByteArray());
    }

    @Test
    void skipsUnknownFieldsOfEveryWireType() {
        byte[] msg = hex("08 01"                       // field 1 varint = 1 (wanted)
                + "18 ac02"                             // field 3 varint
                + "21 0102030405060708"                 // field 4 I64
                + "2d 01020304"                         // field 5 I32
                + "32 03 aabbcc"                        // field 6 LEN
                + "12 02 cafe");                        // field 2 LEN (wanted)
        List<Integer> seen = new ArrayList<>();
        long type = -1;
        byte[] data = null;
        ProtoReader r = new ProtoReader(msg);
        while (r.next()) {
            seen.add(r.field());
            switch (r.field()) {
                case 1 -> type = r.varint();
                case 2 -> data = r.bytes();
                default -> r.skip();
            }
        }
        assertEquals(List.of(1, 3, 4, 5, 6, 2), seen);
        assertEquals(1, type);
        assertArrayEquals(hex("cafe"), data);
    }

    @Test
    void nextSkipsAFieldThatWasNotRead() {
        ProtoReader r = new ProtoReader(hex("0a 03 aabbcc  21 0102030405060708  2d 01020304  18 05  10 07"));
        List<Integer> fields = new ArrayList<>();
        while (r.next()) {
            fields.add(r.field());
            if (r.field() == 2) assertEquals(7, r.varint());
        }
        assertEquals(List.of(1, 4, 5, 3, 2), fields);
    }

    @ParameterizedTest(name = "wire type {0}")
    @ValueSource(ints = {3, 4, 6, 7})
    void groupsAndUndefinedWireTypesAreRejected(int wireType) {
        ProtoReader r = new ProtoReader(new byte[] {(byte) (1 << 3 | wireType), 0});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::next);
        assertEquals("unsupported protobuf wire type " + wireType + " for field 1", e.getMessage());
    }

    @Test
    void fieldNumberZeroIsRejected() {
        for (int wireType : new int[] {0, 1, 2, 5}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ProtoReader(new byte[] {(byte) wireType, 0}).next());
            assertEquals("invalid protobuf field number 0", e.getMessage());
        }
    }

    @Test
    void fieldNumbersAboveTheProtobufMaximumAreRejected() {
        byte[] max = Varint.encode((long) 0x1FFFFFFF << 3);
        ProtoReader ok = new ProtoReader(concat(max, new byte[] {0}));
        assertTrue(ok.next());
        assertEquals(0x1FFFFFFF, ok.field());

        byte[] tooBig = Varint.encode((long) 0x20000000 << 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ProtoReader(concat(tooBig, new byte[] {0})).next());
        assertEquals("invalid protobuf field number 536870912", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "12 05 0102       | protobuf field 2 length 5 exceeds message",
        "12 ffffffff07    | protobuf field 2 length 2147483647 exceeds message",
        "12               | truncated varint",
        "12 ffffffff0f 00 | varint too large: 4294967295",
    })
    void lengthBeyondTheMessageIsRejected(String hexMessage, String message) {
        ProtoReader r = new ProtoReader(hex(hexMessage));
        assertTrue(r.next());
        assertEquals(message, assertThrows(IllegalArgumentException.class, r::bytes).getMessage());
        ProtoReader s = new ProtoReader(hex(hexMessage));
        assertTrue(s.next());
        assertThrows(IllegalArgumentException.class, s::skip);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "0a 05 0102        | protobuf field 1 truncated",
        "09 01020304050607 | protobuf field 1 truncated",
        "0d 010203         | protobuf field 1 truncated",
        "08                | truncated varint",
        "08 80             | truncated varint",
        "08 8000           | varint is not minimally encoded",
    })
    void truncatedUnknownFieldsAreRejectedWhenSkipped(String hexMessage, String message) {
        ProtoReader r = new ProtoReader(hex(hexMessage));
        assertTrue(r.next());
        assertEquals(message, assertThrows(IllegalArgumentException.class, r::next).getMessage());
    }

    @Test
    void readingAFieldAsTheWrongWireTypeIsRejected() {
        ProtoReader r = new ProtoReader(hex("08 01"));
        assertTrue(r.next());
        assertEquals("protobuf field 1 has wire type 0, expected 2", assertThrows(IllegalArgumentException.class, r::bytes).getMessage());
        ProtoReader s = new ProtoReader(hex("0a 00"));
        assertTrue(s.next());
        assertEquals("protobuf field 1 has wire type 2, expected 0", assertThrows(IllegalArgumentException.class, s::varint).getMessage());
    }

    @Test
    void readingBeforeNextOrTwiceIsAProgrammingError() {
        ProtoReader r = new ProtoReader(hex("08 01 08 02"));
        assertThrows(IllegalStateException.class, r::varint);
        assertTrue(r.next());
        assertEquals(1, r.varint());
        assertThrows(IllegalStateException.class, r::varint, "the value was consumed already");
        assertTrue(r.next());
        assertEquals(2, r.varint());
    }

    @Test
    void skipWithoutAPendingFieldIsAProgrammingErrorNotASilentMisread() {
        ProtoReader r = new ProtoReader(hex("08 01 12 01 aa"));
        assertThrows(IllegalStateException.class, r::skip);
        assertTrue(r.next());
        assertEquals(1, r.varint());
        assertThrows(IllegalStateException.class, r::skip, "field 1 was read already; skipping again would eat field 2's tag");
        assertTrue(r.next());
        assertEquals(2, r.field());
        assertArrayEquals(hex("aa"), r.bytes());
    }

    @Test
    void emptyMessageHasNoFields() {
        assertFalse(new ProtoReader(new byte[0]).next());
    }

    /** Reads a whole message the way decoders do: known wire types read, the rest skipped. */
    private static int readAll(byte[] msg) {
        ProtoReader r = new ProtoReader(msg);
        int n = 0;
        while (r.next()) {
            n++;
            switch (r.wireType()) {
                case ProtoReader.VARINT -> r.varint();
                case ProtoReader.LEN -> r.bytes();
                default -> r.skip();
            }
        }
        return n;
    }

    @Test
    void randomMessagesRoundTrip() {
        Random rnd = new Random(41);
        for (int i = 0; i < 2000; i++) {
            ProtoWriter w = new ProtoWriter();
            List<Object> values = new ArrayList<>();
            int count = rnd.nextInt(6);
            for (int f = 0; f < count; f++) {
                if (rnd.nextBoolean()) {
                    long v = rnd.nextLong() >>> (1 + rnd.nextInt(63));
                    w.varint(f + 1, v);
                    values.add(v);
                } else {
                    byte[] b = new byte[rnd.nextInt(20)];
                    rnd.nextBytes(b);
                    w.bytes(f + 1, b);
                    values.add(b);
                }
            }
            ProtoReader r = new ProtoReader(w.toByteArray());
            for (int f = 0; f < count; f++) {
                assertTrue(r.next());
                assertEquals(f + 1, r.field());
                if (values.get(f) instanceof Long v) assertEquals(v, r.varint());
                else assertArrayEquals((byte[]) values.get(f), r.bytes());
            }
            assertFalse(r.next());
        }
    }

    @Test
    void randomBytesAreReadOrRejectedWithAnIllegalArgument() {
        Random rnd = new Random(42);
        int parsed = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] msg = new byte[rnd.nextInt(30)];
            rnd.nextBytes(msg);
            if (i % 2 == 0) { // mostly well-formed tags, so that the value paths are reached
                for (int j = 0; j < msg.length; j += 1 + rnd.nextInt(6)) msg[j] = (byte) ((1 + rnd.nextInt(15)) << 3 | new int[] {0, 1, 2, 5}[rnd.nextInt(4)]);
            }
            try {
                readAll(msg);
                parsed++;
            } catch (IllegalArgumentException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("ProtoReader on " + HexFormat.of().formatHex(msg) + " threw " + e, e);
            }
        }
        assertTrue(parsed > 0);
    }
}
