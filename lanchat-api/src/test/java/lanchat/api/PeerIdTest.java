package lanchat.api;

import static lanchat.api.internal.Bytes.concat;
import static lanchat.api.SpecVectors.base58;
import static lanchat.api.SpecVectors.expectedMultihash;
import static lanchat.api.SpecVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import lanchat.api.crypto.KeyType;
import lanchat.api.crypto.PeerPublicKey;
import lanchat.api.internal.Base32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;

class PeerIdTest {

    // ---- derivation from the peer-ids spec keys ----

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "Ed25519,   " + SpecVectors.ED25519_PUBLIC + ",   0x00, " + SpecVectors.ED25519_PEER_ID,
        "secp256k1, " + SpecVectors.SECP256K1_PUBLIC + ", 0x00, " + SpecVectors.SECP256K1_PEER_ID,
        "ECDSA,     " + SpecVectors.ECDSA_PUBLIC + ",     0x12, ",
        "RSA,       " + SpecVectors.RSA_PUBLIC + ",       0x12, ",
        "go ECDSA,  " + SpecVectors.GO_ECDSA_PUBLIC + ",  0x12, " + SpecVectors.GO_ECDSA_PEER_ID,
    })
    void fromPublicKeyFollowsTheInliningRuleAndMatchesPublishedIds(String name, String protobufHex, String code, String publishedId) {
        byte[] protobuf = hex(protobufHex);
        PeerId id = PeerId.fromPublicKey(PeerPublicKey.decode(protobuf));

        byte[] expected = expectedMultihash(protobuf);
        assertEquals(Integer.decode(code).intValue(), id.toBytes()[0], "multihash code");
        assertArrayEquals(expected, id.toBytes());
        assertEquals(base58(expected), id.toString());
        if (publishedId != null) assertEquals(publishedId, id.toString());
        assertEquals(id, PeerId.parse(id.toString()));
        assertEquals(id, PeerId.parse(id.toCidString()));
    }

    @Test
    void ed25519IdsStartWith12D3KooWAndHashedIdsWithQm() {
        assertTrue(PeerId.fromPublicKey(PeerPublicKey.decode(hex(SpecVectors.ED25519_PUBLIC))).toString().startsWith("12D3KooW"));
        assertTrue(PeerId.fromPublicKey(PeerPublicKey.decode(hex(SpecVectors.RSA_PUBLIC))).toString().startsWith("Qm"));
    }

    @Test
    void keysEncodingTo42BytesAreInlinedAnd43BytesAreHashed() {
        // ECDSA data is not validated by the record, so the encoded length can be chosen: 4 header bytes + data
        PeerPublicKey k42 = new PeerPublicKey(KeyType.ECDSA, new byte[38]);
        PeerPublicKey k43 = new PeerPublicKey(KeyType.ECDSA, new byte[39]);
        assertEquals(42, k42.encode().length);
        assertEquals(43, k43.encode().length);

        PeerId inlined = PeerId.fromPublicKey(k42);
        assertArrayEquals(concat(new byte[] {0x00, 42}, k42.encode()), inlined.toBytes());
        assertEquals(k42, inlined.publicKey().orElseThrow());

        PeerId hashed = PeerId.fromPublicKey(k43);
        assertArrayEquals(concat(new byte[] {0x12, 0x20}, SpecVectors.sha256(k43.encode())), hashed.toBytes());
        assertTrue(hashed.publicKey().isEmpty());
    }

    // ---- text forms ----

    @Test
    void specExamplesInBase58AndCidFormAreTheSamePeer() {
        PeerId fromBase58 = PeerId.parse(SpecVectors.SPEC_SHA256_BASE58);
        PeerId fromCid = PeerId.parse(SpecVectors.SPEC_SHA256_CID);
        assertEquals(fromBase58, fromCid);
        assertEquals(SpecVectors.SPEC_SHA256_BASE58, fromCid.toString());
        assertEquals(SpecVectors.SPEC_SHA256_CID, fromBase58.toCidString());
        assertEquals("12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9", hex(fromBase58.toBytes()));
    }

    @Test
    void ed25519SpecExampleRoundTripsAndHoldsItsKey() {
        PeerId id = PeerId.parse(SpecVectors.SPEC_ED25519_BASE58);
        assertEquals(SpecVectors.SPEC_ED25519_BASE58, id.toString());
        PeerPublicKey key = id.publicKey().orElseThrow();
        assertEquals(KeyType.ED25519, key.type());
        assertEquals("2ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb1336b", hex(key.data()));
        assertTrue(id.matches(key));

        String cid = id.toCidString();
        assertTrue(cid.startsWith("bafzaa"), cid);
        assertEquals("bafzaajaiaejcal72gwuz2or47oyxxn6b3rkwdmmkrxgkjxzy3rqt5kczyn7lcm3l", cid);
        assertEquals(id, PeerId.parse(cid));
    }

    @Test
    void cidFormIsByteExactCidV1WithLibp2pKeyCodec() {
        PeerId id = PeerId.parse(SpecVectors.ED25519_PEER_ID);
        String cid = id.toCidString();
        assertEquals('b', cid.charAt(0));
        assertArrayEquals(concat(new byte[] {0x01, 0x72}, id.toBytes()), Base32.decode(cid.substring(1)));
    }

    @Test
    void upperCaseBase32CidIsAccepted() {
        // multibase 'B' is base32upper; the decoder is case-insensitive
        assertEquals(PeerId.parse(SpecVectors.SPEC_SHA256_BASE58), PeerId.parse(SpecVectors.SPEC_SHA256_CID.toUpperCase()));
    }

    @Test
    void shortStringIsTheLastSixCharacters() {
        assertEquals("o7R3pq", PeerId.parse(SpecVectors.ED25519_PEER_ID).shortString());
    }

    // ---- ordering ----

    private static PeerId sha256Id(int firstDigestByte) {
        byte[] digest = new byte[32];
        digest[0] = (byte) firstDigestByte;
        return PeerId.fromBytes(concat(new byte[] {0x12, 0x20}, digest));
    }

    @Test
    void compareToIsUnsignedLexicographicOverTheMultihash() {
        PeerId low = sha256Id(0x01), high = sha256Id(0x81);
        // a signed comparison would put 0x81 (-127) before 0x01
        assertTrue(low.compareTo(high) < 0);
        assertTrue(high.compareTo(low) > 0);
        assertEquals(0, low.compareTo(sha256Id(0x01)));
        assertTrue(sha256Id(0x7F).compareTo(sha256Id(0x80)) < 0);
        assertTrue(sha256Id(0xFE).compareTo(sha256Id(0xFF)) < 0);
        // identity ids (0x00 …) sort before sha2-256 ids (0x12 …)
        assertTrue(PeerId.parse(SpecVectors.ED25519_PEER_ID).compareTo(low) < 0);
    }

    @Test
    void compareToAgreesWithUnsignedBytesOfRandomIds() {
        Random rnd = new Random(7);
        for (int i = 0; i < 500; i++) {
            byte[] a = new byte[32], b = new byte[32];
            rnd.nextBytes(a);
            System.arraycopy(a, 0, b, 0, 32);
            b[rnd.nextInt(32)] = (byte) rnd.nextInt(256);
            PeerId x = PeerId.fromBytes(concat(new byte[] {0x12, 0x20}, a)), y = PeerId.fromBytes(concat(new byte[] {0x12, 0x20}, b));
            assertEquals(Integer.signum(Arrays.compareUnsigned(a, b)), Integer.signum(x.compareTo(y)));
            assertEquals(x.compareTo(y) == 0, x.equals(y));
        }
    }

    // ---- value semantics ----

    @Test
    void equalityAndHashAreByValueAndBytesAreDefensiveCopies() {
        byte[] bytes = PeerId.parse(SpecVectors.ED25519_PEER_ID).toBytes();
        PeerId a = PeerId.fromBytes(bytes), b = PeerId.fromBytes(bytes.clone());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());

        bytes[bytes.length - 1] ^= 1; // mutating the input after construction changes nothing
        assertEquals(b, a);
        a.toBytes()[5] ^= 1;
        a.multihash()[5] ^= 1;
        assertEquals(b, a);
        assertNotEquals(a, sha256Id(1));
    }

    @Test
    void matchesOnlyTheKeyTheIdWasDerivedFrom() {
        PeerPublicKey key = PeerPublicKey.decode(hex(SpecVectors.ECDSA_PUBLIC));
        PeerId id = PeerId.fromPublicKey(key);
        assertTrue(id.matches(key));
        assertFalse(id.matches(PeerPublicKey.decode(hex(SpecVectors.GO_ECDSA_PUBLIC))));
        assertFalse(id.matches(PeerPublicKey.decode(hex(SpecVectors.ED25519_PUBLIC))));
    }

    @Test
    void inlineKeyInNonCanonicalEncodingIsAcceptedButNeverMatchesItsKey() {
        // as in go-libp2p, an identity multihash only has to hold *a* key; but the id of that key is the canonical
        // encoding's, so such an id cannot be authenticated by any handshake
        byte[] canonical = hex(SpecVectors.ED25519_PUBLIC);
        byte[] withExtraField = concat(canonical, new byte[] {0x18, 0x00}); // field 3 = 0
        PeerId odd = PeerId.fromBytes(concat(new byte[] {0x00, (byte) withExtraField.length}, withExtraField));
        PeerPublicKey key = odd.publicKey().orElseThrow();
        assertEquals(PeerPublicKey.decode(canonical), key);
        assertFalse(odd.matches(key));
        assertNotEquals(odd, PeerId.fromPublicKey(key));
    }

    // ---- malformed input ----

    @ParameterizedTest
    @NullAndEmptySource
    void emptyTextIsRejected(String text) {
        assertEquals("peer id is empty", assertThrows(IllegalArgumentException.class, () -> PeerId.parse(text)).getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        // bad base58 characters ('0', 'O', 'I', 'l' are not in the alphabet)
        "12D3KooW0tg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq | invalid base58 character '0' at position 8",
        "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5l        | invalid base58 character 'l' at position 45",
        "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3p!  | invalid base58 character '!'",
        // base58 text that is not a valid multihash
        "1                                                     | truncated varint",
        "11                                                    | identity multihash does not hold a public key",
        "Qm                                                    | multihash length",
        // bad base32
        "b!!!!                                                 | invalid base32 character '!'",
        "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqx0 | invalid base32 character '0'",
        "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe= | invalid base32 character '='",
        "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqx | invalid base32 length or trailing bits",
        "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxf | invalid base32 length or trailing bits",
        "b                                                     | truncated varint",
        // neither form
        "zQmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N       | expected base58btc (12D3KooW…, Qm…) or a CIDv1 (b…)",
        "'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N '     | invalid base58 character ' ' at position 46",
        "' QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'     | expected base58btc",
    })
    void malformedTextIsRejectedWithAReason(String text, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerId.parse(text));
        assertTrue(e.getMessage().startsWith("invalid peer id '" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private static String cid(byte[] body) {
        return "b" + Base32.encode(body);
    }

    @Test
    void cidWithWrongVersionOrCodecIsRejected() {
        byte[] mh = PeerId.parse(SpecVectors.SPEC_SHA256_BASE58).toBytes();
        assertRejected(() -> PeerId.parse(cid(concat(new byte[] {0x00, 0x72}, mh))), "not a CIDv1");
        assertRejected(() -> PeerId.parse(cid(concat(new byte[] {0x02, 0x72}, mh))), "not a CIDv1");
        assertRejected(() -> PeerId.parse(cid(concat(new byte[] {0x12, 0x20}, Arrays.copyOfRange(mh, 2, 34)))), "not a CIDv1"); // a CIDv0 body
        assertRejected(() -> PeerId.parse(cid(concat(new byte[] {0x01, 0x70}, mh))), "CID codec 0x70 is not libp2p-key (0x72)");
        assertRejected(() -> PeerId.parse(cid(concat(new byte[] {0x01, 0x55}, mh))), "CID codec 0x55 is not libp2p-key (0x72)");
        assertRejected(() -> PeerId.parse(cid(new byte[] {0x01, 0x72})), "peer id multihash is empty");
        assertRejected(() -> PeerId.parse(cid(new byte[] {0x01})), "truncated varint");
    }

    private static byte[] bytes(Object... parts) {
        byte[] out = new byte[0];
        for (Object p : parts) out = concat(out, p instanceof String h ? hex(h) : (byte[]) p);
        return out;
    }

    static Stream<Arguments> malformedMultihashes() {
        return Stream.of(
            Arguments.of(new byte[0], "peer id multihash is empty"),
            Arguments.of(bytes("1114", new byte[20]), "unsupported multihash code 0x11"), // sha1
            Arguments.of(bytes("1320", new byte[32]), "unsupported multihash code 0x13"),
            Arguments.of(bytes("a0e402", "20", new byte[32]), "unsupported multihash code 0xb220"), // blake2b-256, 3-byte varint
            Arguments.of(bytes("121f", new byte[31]), "sha2-256 multihash must have 32 digest bytes, got 31"),
            Arguments.of(bytes("1221", new byte[33]), "sha2-256 multihash must have 32 digest bytes, got 33"),
            Arguments.of(bytes("1220", new byte[31]), "multihash length 32 does not match its 31 digest bytes"),
            Arguments.of(bytes("1220", new byte[33]), "multihash length 32 does not match its 33 digest bytes"),
            Arguments.of(bytes("0003010203"), "identity multihash does not hold a public key"),
            Arguments.of(bytes("0000"), "identity multihash does not hold a public key"),
            Arguments.of(bytes("0004", "08011201"), "identity multihash does not hold a public key"), // Data runs past the end
            Arguments.of(bytes("0004", "08091200"), "identity multihash does not hold a public key: unknown key type 9"),
            Arguments.of(bytes("0023", "0801121f", new byte[31]), "Ed25519 public key must be 32 bytes, got 31"),
            Arguments.of(bytes("002b", "08031227", new byte[39]), "identity multihash longer than 42 bytes"),
            Arguments.of(bytes("80"), "truncated varint"),
            Arguments.of(bytes("12"), "truncated varint"),
            Arguments.of(bytes("1280"), "truncated varint"),
            Arguments.of(bytes("9200", "20", new byte[32]), "varint is not minimally encoded"),
            Arguments.of(bytes("12a000", new byte[32]), "varint is not minimally encoded"),
            Arguments.of(bytes("ffffffffffffffffff01"), "varint longer than 9 bytes"),
            Arguments.of(bytes("12ffffffffffffffff7f"), "varint too large"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformedMultihashes")
    void malformedMultihashBytesAreRejectedWithAReason(byte[] bytes, String reason) {
        assertRejected(() -> PeerId.fromBytes(bytes), reason);
        if (bytes.length > 0) {
            // the same bytes in either text form fail the same way
            String base58 = base58(bytes);
            if (base58.startsWith("1") || base58.startsWith("Qm")) assertRejected(() -> PeerId.parse(base58), reason);
            assertRejected(() -> PeerId.parse(cid(concat(new byte[] {0x01, 0x72}, bytes))), reason);
        }
    }

    @Test
    void nullBytesAreRejected() {
        assertRejected(() -> PeerId.fromBytes(null), "peer id multihash is empty");
    }

    private static void assertRejected(Runnable r, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should contain '" + fragment + "'");
    }

    // ---- bounded randomized checks ----

    private static PeerId randomValidId(Random rnd) {
        switch (rnd.nextInt(3)) {
            case 0 -> {
                byte[] digest = new byte[32];
                rnd.nextBytes(digest);
                return PeerId.fromBytes(concat(new byte[] {0x12, 0x20}, digest));
            }
            case 1 -> {
                byte[] raw = new byte[32];
                rnd.nextBytes(raw);
                return PeerId.fromPublicKey(PeerPublicKey.ed25519(raw));
            }
            default -> {
                byte[] raw = new byte[33];
                rnd.nextBytes(raw);
                return PeerId.fromPublicKey(new PeerPublicKey(KeyType.SECP256K1, raw));
            }
        }
    }

    @Test
    void randomValidIdsRoundTripThroughEveryForm() {
        Random rnd = new Random(42);
        for (int i = 0; i < 2000; i++) {
            PeerId id = randomValidId(rnd);
            String text = id.toString();
            assertEquals(base58(id.toBytes()), text);
            assertEquals(id, PeerId.parse(text));
            assertEquals(text, PeerId.parse(text).toString());
            assertEquals(id, PeerId.parse(id.toCidString()));
            assertEquals(id, PeerId.fromBytes(id.toBytes()));
        }
    }

    @Test
    void randomBytesAreEitherAValidIdOrAnIllegalArgument() {
        Random rnd = new Random(43);
        int accepted = 0;
        for (int i = 0; i < 4000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[rnd.nextInt(50)];
                rnd.nextBytes(bytes);
            } else {
                bytes = mutate(randomValidId(rnd).toBytes(), rnd);
            }
            try {
                PeerId id = PeerId.fromBytes(bytes);
                accepted++;
                assertArrayEquals(bytes, id.toBytes());
                assertEquals(id, PeerId.parse(id.toString()));
            } catch (IllegalArgumentException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("PeerId.fromBytes(" + hex(bytes) + ") threw " + e, e);
            }
        }
        assertTrue(accepted > 0, "the mutations should leave some ids valid");
    }

    @Test
    void randomTextIsEitherAValidIdOrAnIllegalArgument() {
        Random rnd = new Random(44);
        String[] prefixes = {"1", "12D3KooW", "Qm", "b", "B", "bafz", "z", ""};
        String alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz234567=0OIl+/ \u00e9\u212a";
        for (int i = 0; i < 4000; i++) {
            String text;
            if (i % 3 == 0) {
                PeerId id = randomValidId(rnd);
                String s = rnd.nextBoolean() ? id.toString() : id.toCidString();
                StringBuilder sb = new StringBuilder(s);
                sb.setCharAt(rnd.nextInt(sb.length()), alphabet.charAt(rnd.nextInt(alphabet.length())));
                if (rnd.nextInt(4) == 0) sb.setLength(rnd.nextInt(sb.length()));
                text = sb.toString();
            } else {
                StringBuilder sb = new StringBuilder(prefixes[rnd.nextInt(prefixes.length)]);
                for (int n = rnd.nextInt(60); n > 0; n--) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                text = sb.toString();
            }
            try {
                PeerId id = PeerId.parse(text);
                assertEquals(id, PeerId.parse(id.toString()));
            } catch (IllegalArgumentException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("PeerId.parse(\"" + text + "\") threw " + e, e);
            }
        }
    }

    static byte[] mutate(byte[] valid, Random rnd) {
        byte[] b = valid.clone();
        switch (rnd.nextInt(4)) {
            case 0 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length));
            case 2 -> b = concat(b, new byte[] {(byte) rnd.nextInt(256)});
            default -> b[rnd.nextInt(Math.min(b.length, 8))] = (byte) rnd.nextInt(256);
        }
        return b;
    }
}
