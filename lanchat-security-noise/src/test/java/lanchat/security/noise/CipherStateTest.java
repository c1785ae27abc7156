package lanchat.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/** ChaChaPoly; {@link AesGcmCipherStateTest} runs the same tests for AESGCM. */
class CipherStateTest {
    final byte[] key = bytes(32, 1);
    final CipherState sender = new CipherState(cipher(), key);
    final CipherState receiver = new CipherState(cipher(), key);

    NoiseCipher cipher() {
        return NoiseCipher.CHACHA_POLY;
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void roundTripsInSequence() throws NoiseException {
        int[] sizes = {0, 1, 15, 16, 17, 1000, CipherState.MAX_PLAINTEXT};
        for (int i = 0; i < sizes.length; i++) {
            byte[] plain = bytes(sizes[i], i);
            byte[] sealed = sender.encrypt(plain);
            assertEquals(plain.length + 16, sealed.length);
            assertArrayEquals(plain, receiver.decrypt(sealed));
        }
        assertEquals(sizes.length, sender.nonce());
        assertEquals(sizes.length, receiver.nonce());
    }

    /** The nonce is 4 zero bytes then the counter little-endian (ChaChaPoly, Noise spec §12.3). */
    @Test
    void nonceLayout() throws Exception {
        sender.setNonce(0x0102030405060708L);
        byte[] sealed = sender.encrypt(new byte[] {42});
        Cipher jdk = Cipher.getInstance("ChaCha20-Poly1305");
        byte[] iv = {0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
        jdk.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(iv));
        assertArrayEquals(new byte[] {42}, jdk.doFinal(sealed));
    }

    @Test
    void rejectsOversizeAndTruncated() throws NoiseException {
        assertThrows(NoiseException.class, () -> sender.encrypt(new byte[CipherState.MAX_PLAINTEXT + 1]));
        assertEquals(0, sender.nonce(), "a refused message consumes no nonce");
        assertThrows(NoiseException.class, () -> receiver.decrypt(new byte[0]));
        assertThrows(NoiseException.class, () -> receiver.decrypt(new byte[15]));
        assertThrows(NoiseException.class, () -> receiver.decrypt(new byte[NoiseHandshake.MAX_MESSAGE + 1]));
        byte[] sealed = sender.encrypt(bytes(10, 3));
        assertThrows(NoiseException.class, () -> receiver.decrypt(java.util.Arrays.copyOf(sealed, sealed.length - 1)));
        assertEquals(0, receiver.nonce());
        assertArrayEquals(bytes(10, 3), receiver.decrypt(sealed));
    }

    @Test
    void everyFlippedByteFailsAuthentication() throws NoiseException {
        byte[] plain = bytes(40, 4);
        byte[] sealed = sender.encrypt(plain);
        for (int i = 0; i < sealed.length; i++) {
            byte[] bad = sealed.clone();
            bad[i] ^= (byte) (1 << (i % 8));
            NoiseException e = assertThrows(NoiseException.class, () -> receiver.decrypt(bad));
            assertTrue(e.getMessage().contains("bad MAC"), e.getMessage());
        }
        assertEquals(0, receiver.nonce(), "failed decryptions leave the counter alone");
        assertArrayEquals(plain, receiver.decrypt(sealed));
    }

    @Test
    void reorderedMessagesFail() throws NoiseException {
        byte[] first = sender.encrypt(bytes(5, 5));
        byte[] second = sender.encrypt(bytes(5, 6));
        assertThrows(NoiseException.class, () -> receiver.decrypt(second));
        assertArrayEquals(bytes(5, 5), receiver.decrypt(first));
        assertArrayEquals(bytes(5, 6), receiver.decrypt(second));
        assertThrows(NoiseException.class, () -> receiver.decrypt(second), "a replay fails");
    }

    @Test
    void nonceExhaustion() throws NoiseException {
        sender.setNonce(-2L); // 2^64-2: the last usable nonce
        receiver.setNonce(-2L);
        byte[] last = sender.encrypt(bytes(3, 7));
        assertArrayEquals(bytes(3, 7), receiver.decrypt(last));
        NoiseException e = assertThrows(NoiseException.class, () -> sender.encrypt(new byte[1]));
        assertTrue(e.getMessage().contains("nonce exhausted"), e.getMessage());
        assertThrows(NoiseException.class, () -> receiver.decrypt(last));
        assertThrows(NoiseException.class, () -> sender.encrypt(ByteBuffer.allocate(1), ByteBuffer.allocate(17)));
    }

    @Test
    void byteBufferFormsInteroperateWithArrays() throws NoiseException {
        for (boolean direct : new boolean[] {false, true}) {
            byte[] plain = bytes(300, direct ? 8 : 9);
            ByteBuffer in = alloc(direct, 310).position(5);
            in.put(plain).flip().position(5);
            ByteBuffer out = alloc(direct, 400).position(7);
            assertEquals(316, sender.encrypt(in, out));
            assertEquals(in.limit(), in.position());
            assertEquals(7 + 316, out.position());
            byte[] sealed = new byte[316];
            out.flip().position(7);
            out.get(sealed);
            assertArrayEquals(plain, receiver.decrypt(sealed));

            byte[] sealed2 = sender.encrypt(plain);
            ByteBuffer cin = alloc(direct, sealed2.length).put(sealed2).flip();
            ByteBuffer pout = alloc(direct, 300);
            assertEquals(300, receiver.decrypt(cin, pout));
            assertEquals(0, pout.remaining());
            byte[] back = new byte[300];
            pout.flip().get(back);
            assertArrayEquals(plain, back);
        }
    }

    @Test
    void byteBufferInPlace() throws NoiseException {
        byte[] plain = bytes(64, 10);
        ByteBuffer buf = ByteBuffer.allocate(80).put(plain).flip();
        assertEquals(80, sender.encrypt(buf.duplicate(), buf.duplicate().clear()));
        ByteBuffer sealed = buf.duplicate().clear();
        assertEquals(64, receiver.decrypt(sealed, buf.duplicate().clear()));
        assertArrayEquals(plain, java.util.Arrays.copyOf(buf.array(), 64));
    }

    @Test
    void byteBufferFailuresConsumeNothing() throws NoiseException {
        ByteBuffer in = ByteBuffer.wrap(bytes(20, 11));
        assertThrows(IllegalArgumentException.class, () -> sender.encrypt(in, ByteBuffer.allocate(35)));
        assertEquals(0, in.position());
        assertEquals(0, sender.nonce());

        ByteBuffer sealed = ByteBuffer.wrap(sender.encrypt(bytes(20, 11)));
        sealed.put(3, (byte) (sealed.get(3) ^ 1));
        ByteBuffer out = ByteBuffer.allocate(20);
        assertThrows(NoiseException.class, () -> receiver.decrypt(sealed, out));
        assertEquals(0, sealed.position());
        assertEquals(0, out.position());
        assertEquals(0, receiver.nonce());
        assertThrows(IllegalArgumentException.class, () -> receiver.decrypt(sealed, ByteBuffer.allocate(19)));
        assertThrows(NoiseException.class, () -> receiver.decrypt(ByteBuffer.allocate(15), ByteBuffer.allocate(15)));
        assertThrows(NoiseException.class, () -> sender.encrypt(ByteBuffer.allocate(CipherState.MAX_PLAINTEXT + 1), ByteBuffer.allocate(70000)));
    }

    private static ByteBuffer alloc(boolean direct, int n) {
        return direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
    }

    @Test
    void gatheringEncryptionIsTheSameMessageAsOneBuffer() throws NoiseException {
        CipherState one = new CipherState(cipher(), new byte[32]), gathered = new CipherState(cipher(), new byte[32]);
        java.util.Random random = new java.util.Random(5);
        for (int[] cuts : new int[][] {{12, 500}, {0, 12, 12, 40}, {1, 1, 1}, {CipherState.MAX_PLAINTEXT - 12, 12}}) {
            byte[] plain = new byte[java.util.Arrays.stream(cuts).sum()];
            random.nextBytes(plain);
            ByteBuffer[] parts = new ByteBuffer[cuts.length];
            for (int i = 0, off = 0; i < cuts.length; off += cuts[i++]) parts[i] = ByteBuffer.wrap(plain, off, cuts[i]).slice();
            ByteBuffer out = ByteBuffer.allocate(plain.length + 16 + 3);
            out.position(3);
            assertEquals(plain.length + 16, gathered.encrypt(parts, out));
            for (ByteBuffer p : parts) assertEquals(0, p.remaining());
            assertArrayEquals(one.encrypt(plain), java.util.Arrays.copyOfRange(out.array(), 3, out.position()));
        }
        ByteBuffer[] tooLong = {ByteBuffer.allocate(CipherState.MAX_PLAINTEXT), ByteBuffer.allocate(1)};
        assertThrows(NoiseException.class, () -> gathered.encrypt(tooLong, ByteBuffer.allocate(70000)));
        ByteBuffer[] fits = {ByteBuffer.allocate(10), ByteBuffer.allocate(10)};
        assertThrows(IllegalArgumentException.class, () -> gathered.encrypt(fits, ByteBuffer.allocate(35)));
        assertEquals(10, fits[0].remaining(), "nothing consumed");
    }
}
