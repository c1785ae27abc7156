package lanchat.api.crypto;

import static lanchat.api.internal.Bytes.concat;
import static lanchat.api.SpecVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Random;

import lanchat.api.SpecVectors;
import lanchat.api.internal.ProtoWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PeerPublicKeyTest {
    private static final byte[] MESSAGE = "libp2p-chat".getBytes(StandardCharsets.UTF_8);

    private static KeyPair rsa2048, p256;

    @BeforeAll
    static void generateKeys() throws GeneralSecurityException {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        rsa2048 = rsa.generateKeyPair();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        p256 = ec.generateKeyPair();
    }

    private static byte[] sign(String algorithm, KeyPair kp, byte[] message) throws GeneralSecurityException {
        Signature s = Signature.getInstance(algorithm);
        s.initSign(kp.getPrivate());
        s.update(message);
        return s.sign();
    }

    // ---- protobuf form ----

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "ED25519,   32,  " + SpecVectors.ED25519_PUBLIC,
        "SECP256K1, 33,  " + SpecVectors.SECP256K1_PUBLIC,
        "ECDSA,     91,  " + SpecVectors.ECDSA_PUBLIC,
        "RSA,       550, " + SpecVectors.RSA_PUBLIC,
    })
    void specKeysDecodeAndReencodeByteForByte(KeyType type, int dataLength, String protobufHex) {
        PeerPublicKey key = PeerPublicKey.decode(hex(protobufHex));
        assertEquals(type, key.type());
        assertEquals(dataLength, key.data().length);
        assertEquals(protobufHex, hex(key.encode()));
    }

    @Test
    void specKeysConvertToJdkKeysOfTheRightShape() throws GeneralSecurityException {
        RSAPublicKey rsa = assertInstanceOf(RSAPublicKey.class, PeerPublicKey.decode(hex(SpecVectors.RSA_PUBLIC)).toJavaKey());
        assertEquals(4096, rsa.getModulus().bitLength());
        ECPublicKey ec = assertInstanceOf(ECPublicKey.class, PeerPublicKey.decode(hex(SpecVectors.ECDSA_PUBLIC)).toJavaKey());
        assertEquals(256, ec.getParams().getOrder().bitLength());
        assertEquals("EdDSA", PeerPublicKey.decode(hex(SpecVectors.ED25519_PUBLIC)).toJavaKey().getAlgorithm());
    }

    @Test
    void unknownFieldsOfEveryWireTypeAreSkipped() {
        byte[] canonical = hex(SpecVectors.ED25519_PUBLIC);
        byte[] varintField = new ProtoWriter().varint(3, 300).toByteArray();
        byte[] lenField = new ProtoWriter().bytes(4, new byte[] {1, 2, 3}).toByteArray();
        byte[] i32Field = {0x2d, 1, 2, 3, 4};           // field 5, wire type 5
        byte[] i64Field = {0x31, 1, 2, 3, 4, 5, 6, 7, 8}; // field 6, wire type 1
        byte[] noisy = concat(varintField, hex("0801"), lenField, i32Field, hex(SpecVectors.ED25519_PUBLIC.substring(4)), i64Field);

        PeerPublicKey key = PeerPublicKey.decode(noisy);
        assertEquals(PeerPublicKey.decode(canonical), key);
        assertArrayEquals(canonical, key.encode(), "encode() writes the canonical form only");
    }

    @Test
    void fieldsInReverseOrderStillDecode() {
        byte[] raw = hex(SpecVectors.RFC8032_PUBLIC);
        byte[] reversed = new ProtoWriter().bytes(2, raw).varint(1, 1).toByteArray();
        assertEquals(PeerPublicKey.ed25519(raw), PeerPublicKey.decode(reversed));
    }

    @Test
    void missingOrMalformedFieldsAreRejected() {
        assertRejected(new byte[0], "public key protobuf lacks Type");
        assertRejected(new ProtoWriter().varint(1, 1).toByteArray(), "public key protobuf lacks Data");
        assertRejected(new ProtoWriter().bytes(2, new byte[32]).toByteArray(), "public key protobuf lacks Type");
        assertRejected(new ProtoWriter().varint(1, 4).bytes(2, new byte[32]).toByteArray(), "unknown key type 4");
        assertRejected(new ProtoWriter().bytes(1, new byte[1]).bytes(2, new byte[32]).toByteArray(), "protobuf field 1 has wire type 2, expected 0");
        assertRejected(new ProtoWriter().varint(1, 1).varint(2, 5).toByteArray(), "protobuf field 2 has wire type 0, expected 2");
        assertRejected(hex("08011220" + "00".repeat(31)), "protobuf field 2 length 32 exceeds message");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 33, 64})
    void ed25519KeysMustBe32Bytes(int length) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerPublicKey.ed25519(new byte[length]));
        assertEquals("Ed25519 public key must be 32 bytes, got " + length, e.getMessage());
        assertRejected(new ProtoWriter().varint(1, 1).bytes(2, new byte[length]).toByteArray(), "Ed25519 public key must be 32 bytes");
    }

    @Test
    void secp256k1KeysMustBe33Bytes() {
        assertThrows(IllegalArgumentException.class, () -> new PeerPublicKey(KeyType.SECP256K1, new byte[65]));
        assertThrows(IllegalArgumentException.class, () -> new PeerPublicKey(null, new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> new PeerPublicKey(KeyType.ED25519, null));
    }

    private static void assertRejected(byte[] protobuf, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerPublicKey.decode(protobuf));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should contain '" + fragment + "'");
    }

    // ---- verification ----

    @Test
    void ed25519VerifiesTheRfc8032Signature() {
        PeerPublicKey key = PeerPublicKey.ed25519(hex(SpecVectors.RFC8032_PUBLIC));
        byte[] sig = hex(SpecVectors.RFC8032_SIGNATURE);
        assertTrue(key.verify(new byte[0], sig));
        assertFalse(key.verify(new byte[] {0}, sig));
        for (int bit : new int[] {0, 100, 300, 511}) {
            byte[] bad = sig.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            assertFalse(key.verify(new byte[0], bad), "bit " + bit);
        }
    }

    @Test
    void rsa2048VerifiesSha256WithRsa() throws GeneralSecurityException {
        PeerPublicKey key = new PeerPublicKey(KeyType.RSA, rsa2048.getPublic().getEncoded());
        byte[] sig = sign("SHA256withRSA", rsa2048, MESSAGE);
        assertTrue(key.verify(MESSAGE, sig));
        assertFalse(key.verify("libp2p-chaT".getBytes(StandardCharsets.UTF_8), sig));
        byte[] bad = sig.clone();
        bad[0] ^= 1;
        assertFalse(key.verify(MESSAGE, bad));
        // other RSA schemes are not what libp2p uses
        assertFalse(key.verify(MESSAGE, sign("SHA512withRSA", rsa2048, MESSAGE)));
    }

    private static KeyPair rsa(int bits, BigInteger exponent) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(new RSAKeyGenParameterSpec(bits, exponent));
        return g.generateKeyPair();
    }

    /** The key's own signature, to show the rejection is about the key and not a bad signature. */
    private static void assertKeyRejected(KeyPair kp, String reason) throws GeneralSecurityException {
        PeerPublicKey key = new PeerPublicKey(KeyType.RSA, kp.getPublic().getEncoded());
        byte[] sig = sign("SHA256withRSA", kp, MESSAGE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> key.verify(MESSAGE, sig));
        assertEquals("unusable RSA public key: " + reason, e.getMessage());
        assertThrows(GeneralSecurityException.class, key::toJavaKey);
    }

    @Test
    void rsaExponentsAbove2Pow31Minus1AreRejected() throws GeneralSecurityException {
        // the JDK accepts these (any exponent for moduli up to 3072 bits); go's crypto/rsa does not
        assertKeyRejected(rsa(2048, BigInteger.ONE.shiftLeft(31).add(BigInteger.ONE)), "RSA public exponent 2147483649 (allowed: odd, 3 to 2^31-1)");
        BigInteger huge = BigInteger.ONE.shiftLeft(2000).add(BigInteger.ONE);
        assertKeyRejected(rsa(2048, huge), "RSA public exponent of 2001 bits (allowed: odd, 3 to 2^31-1)");
    }

    @Test
    void rsaExponentsUpTo2Pow31Minus1AreAccepted() throws GeneralSecurityException {
        for (BigInteger e : new BigInteger[] {BigInteger.valueOf(3), BigInteger.valueOf(Integer.MAX_VALUE)}) {
            KeyPair kp = rsa(2048, e);
            PeerPublicKey key = new PeerPublicKey(KeyType.RSA, kp.getPublic().getEncoded());
            assertTrue(key.verify(MESSAGE, sign("SHA256withRSA", kp, MESSAGE)), "e = " + e);
        }
    }

    @Test
    void rsaModuliOutside2048To8192BitsAreRejectedWhatever65537() throws GeneralSecurityException {
        assertKeyRejected(rsa(1024, RSAKeyGenParameterSpec.F4), "RSA key of 1024 bits (allowed 2048-8192)");
        // a 16384-bit key pair takes minutes to generate, and only the public half is checked: an odd modulus of that
        // size is a well-formed public key, which the JDK accepts (its own limit is 16384 bits)
        BigInteger modulus = new BigInteger(16384, new Random(16384)).setBit(16383).setBit(0);
        byte[] der = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, RSAKeyGenParameterSpec.F4)).getEncoded();
        PeerPublicKey big = new PeerPublicKey(KeyType.RSA, der);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> big.verify(MESSAGE, new byte[2048]));
        assertEquals("unusable RSA public key: RSA key of 16384 bits (allowed 2048-8192)", e.getMessage());
    }

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {2048, 4096})
    void rsaKeysOf2048And4096BitsWith65537Verify(int bits) throws GeneralSecurityException {
        KeyPair kp = rsa(bits, RSAKeyGenParameterSpec.F4);
        PeerPublicKey key = new PeerPublicKey(KeyType.RSA, kp.getPublic().getEncoded());
        assertTrue(key.verify(MESSAGE, sign("SHA256withRSA", kp, MESSAGE)));
        assertFalse(key.verify(new byte[] {1}, sign("SHA256withRSA", kp, MESSAGE)));
    }

    @Test
    void ecdsaP256VerifiesSha256WithEcdsa() throws GeneralSecurityException {
        PeerPublicKey key = new PeerPublicKey(KeyType.ECDSA, p256.getPublic().getEncoded());
        byte[] sig = sign("SHA256withECDSA", p256, MESSAGE);
        assertTrue(key.verify(MESSAGE, sig));
        assertFalse(key.verify(new byte[] {1, 2, 3}, sig));
    }

    @Test
    void ecdsaVerifiesASignatureMadeByGoLibp2p() {
        PeerPublicKey key = PeerPublicKey.decode(hex(SpecVectors.GO_ECDSA_PUBLIC));
        byte[] message = SpecVectors.GO_ECDSA_MESSAGE.getBytes(StandardCharsets.UTF_8);
        byte[] sig = hex(SpecVectors.GO_ECDSA_SIGNATURE);
        assertTrue(key.verify(message, sig));
        assertFalse(key.verify(new byte[] {1, 2, 3}, sig));
    }

    @Test
    void garbageSignaturesAreFalseNotExceptions() throws GeneralSecurityException {
        PeerPublicKey ed = PeerPublicKey.ed25519(hex(SpecVectors.RFC8032_PUBLIC));
        PeerPublicKey rsa = new PeerPublicKey(KeyType.RSA, rsa2048.getPublic().getEncoded());
        PeerPublicKey ec = new PeerPublicKey(KeyType.ECDSA, p256.getPublic().getEncoded());
        for (PeerPublicKey key : new PeerPublicKey[] {ed, rsa, ec}) {
            assertFalse(key.verify(MESSAGE, new byte[0]), key + " empty");
            assertFalse(key.verify(MESSAGE, new byte[] {0x30, 0x02, 0x02}), key + " truncated DER");
            assertFalse(key.verify(MESSAGE, new byte[64]), key + " zeros");
            assertFalse(key.verify(MESSAGE, new byte[1000]), key + " oversized");
        }
        // a valid signature of one scheme handed to another key type
        assertFalse(rsa.verify(MESSAGE, sign("SHA256withECDSA", p256, MESSAGE)));
        assertFalse(ec.verify(MESSAGE, sign("SHA256withRSA", rsa2048, MESSAGE)));
    }

    @Test
    void randomSignatureBytesNeverThrow() {
        PeerPublicKey ed = PeerPublicKey.ed25519(hex(SpecVectors.RFC8032_PUBLIC));
        PeerPublicKey rsa = new PeerPublicKey(KeyType.RSA, rsa2048.getPublic().getEncoded());
        PeerPublicKey ec = new PeerPublicKey(KeyType.ECDSA, p256.getPublic().getEncoded());
        Random rnd = new Random(5);
        for (int i = 0; i < 600; i++) {
            PeerPublicKey key = new PeerPublicKey[] {ed, rsa, ec}[i % 3];
            int n = switch (rnd.nextInt(3)) {
                case 0 -> rnd.nextInt(80);
                case 1 -> key == rsa ? 256 : key == ed ? 64 : 70;
                default -> rnd.nextInt(300);
            };
            byte[] sig = new byte[n];
            rnd.nextBytes(sig);
            if (key == ec && n > 2 && rnd.nextBoolean()) { // make it look like DER to get past the first check
                sig[0] = 0x30;
                sig[1] = (byte) (n - 2);
            }
            try {
                assertFalse(key.verify(MESSAGE, sig));
            } catch (RuntimeException e) {
                fail(key + " threw on signature " + hex(sig), e);
            }
        }
    }

    @Test
    void secp256k1NeedsTheLazilyLoadedCrypto() {
        // lanchat-crypto-bc depends on lanchat-api, so it cannot be on this module's test class path: here the
        // missing backend is reported, saying where it was looked for (its own tests verify real signatures)
        PeerPublicKey key = PeerPublicKey.decode(hex(SpecVectors.SECP256K1_PUBLIC));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> key.verify(MESSAGE, new byte[64]));
        assertEquals("secp256k1 keys need Secp256k1Verifier from lanchat.crypto.bc (lanchat-crypto-bc and bcprov-jdk18on jars) on the class path, which provides none",
                e.getMessage());
        assertThrows(GeneralSecurityException.class, key::toJavaKey);
    }

    @Test
    void unusableKeyDataIsAnIllegalArgument() {
        PeerPublicKey notDer = new PeerPublicKey(KeyType.RSA, new byte[] {1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> notDer.verify(MESSAGE, new byte[256]));
        assertTrue(e.getMessage().startsWith("unusable RSA public key"), e.getMessage());

        PeerPublicKey ecDataAsRsa = new PeerPublicKey(KeyType.RSA, p256.getPublic().getEncoded());
        assertThrows(IllegalArgumentException.class, () -> ecDataAsRsa.verify(MESSAGE, new byte[256]));
        PeerPublicKey rsaDataAsEc = new PeerPublicKey(KeyType.ECDSA, rsa2048.getPublic().getEncoded());
        assertThrows(IllegalArgumentException.class, () -> rsaDataAsEc.verify(MESSAGE, new byte[70]));
    }

    // ---- helpers and value semantics ----

    @Test
    void rawEd25519StripsTheX509Prefix() throws GeneralSecurityException {
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] raw = PeerPublicKey.rawEd25519(kp.getPublic());
        assertEquals(32, raw.length);
        assertArrayEquals(kp.getPublic().getEncoded(), PeerPublicKey.ed25519(raw).toJavaKey().getEncoded());
        assertThrows(IllegalArgumentException.class, () -> PeerPublicKey.rawEd25519(rsa2048.getPublic()));
        assertThrows(IllegalArgumentException.class, () -> PeerPublicKey.rawEd25519(p256.getPublic()));
    }

    @Test
    void equalityIsByTypeAndBytesAndDataIsCopied() {
        byte[] raw = hex(SpecVectors.RFC8032_PUBLIC);
        PeerPublicKey a = PeerPublicKey.ed25519(raw);
        raw[0] ^= 1;
        a.data()[1] ^= 1;
        PeerPublicKey b = PeerPublicKey.ed25519(hex(SpecVectors.RFC8032_PUBLIC));
        assertEquals(b, a);
        assertEquals(b.hashCode(), a.hashCode());
        assertNotEquals(a, new PeerPublicKey(KeyType.ECDSA, b.data()));
        assertEquals("PeerPublicKey[ED25519, 32 bytes]", a.toString());
    }

    @Test
    void keyTypeCodesFollowTheSpec() {
        assertEquals(0, KeyType.RSA.code());
        assertEquals(1, KeyType.ED25519.code());
        assertEquals(2, KeyType.SECP256K1.code());
        assertEquals(3, KeyType.ECDSA.code());
        for (KeyType t : KeyType.values()) assertEquals(t, KeyType.fromCode(t.code()));
        assertEquals("unknown key type -1", assertThrows(IllegalArgumentException.class, () -> KeyType.fromCode(-1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeyType.fromCode(4));
        assertThrows(IllegalArgumentException.class, () -> KeyType.fromCode(1L << 32 | 1)); // no truncation to int
    }
}
