package lanchat.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/** {@link CipherStateTest}'s tests for AESGCM, LAN Chat's transport-phase extension, and what is particular to it. */
class AesGcmCipherStateTest extends CipherStateTest {
    @Override
    NoiseCipher cipher() {
        return NoiseCipher.AES_GCM;
    }

    /** The nonce is 4 zero bytes then the counter big-endian (AESGCM, Noise spec §12.4); the key is AES-256. */
    @Test
    @Override
    void nonceLayout() throws Exception {
        sender.setNonce(0x0102030405060708L);
        byte[] sealed = sender.encrypt(new byte[] {42});
        Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] iv = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
        jdk.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        assertArrayEquals(new byte[] {42}, jdk.doFinal(sealed));
        assertEquals(256, key.length * 8);
    }

    /** The same key under the other cipher is another message: a state never opens what the other cipher sealed. */
    @Test
    void doesNotOpenChaChaPolyMessages() throws NoiseException {
        CipherState chacha = new CipherState(NoiseCipher.CHACHA_POLY, key);
        byte[] sealed = chacha.encrypt(bytes(30, 12));
        assertThrows(NoiseException.class, () -> receiver.decrypt(sealed));
        assertEquals(NoiseCipher.AES_GCM, receiver.cipher());
    }
}
