package lanchat.bench.jmh;

import java.util.concurrent.TimeUnit;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Where the Noise transport's time goes, and an alternative: sealing one Noise message (ChaCha20-Poly1305, a new
 * nonce per message, as {@code CipherState} does) with the JDK's provider versus BouncyCastle's lightweight
 * {@code ChaCha20Poly1305} (bcprov is a bench-only dependency: LAN Chat itself uses the JDK's), and the JDK's
 * AES-256-GCM (the netty transport's transport cipher between current nodes; AESGCM nonce layout, big-endian).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AeadBench {
    @Param({"32", "65519"})
    public int size;

    private final byte[] key = new byte[32];
    private final byte[] nonce = new byte[12];
    private byte[] in, out;
    private long n;
    private Cipher jdk;
    private SecretKeySpec jdkKey;
    private final ChaCha20Poly1305 bc = new ChaCha20Poly1305();
    private KeyParameter bcKey;
    private Cipher aes;
    private SecretKeySpec aesKey;

    @Setup
    public void setUp() throws Exception {
        in = new byte[size];
        out = new byte[size + 16];
        jdk = Cipher.getInstance("ChaCha20-Poly1305");
        jdkKey = new SecretKeySpec(key, "ChaCha20");
        bcKey = new KeyParameter(key);
        aes = Cipher.getInstance("AES/GCM/NoPadding");
        aesKey = new SecretKeySpec(key, "AES");
    }

    private byte[] nextNonce() {
        long v = ++n;
        for (int i = 4; i < 12; i++, v >>>= 8) nonce[i] = (byte) v;
        return nonce;
    }

    @Benchmark
    public int jdkSeal() throws Exception {
        jdk.init(Cipher.ENCRYPT_MODE, jdkKey, new IvParameterSpec(nextNonce()));
        return jdk.doFinal(in, 0, in.length, out, 0);
    }

    @Benchmark
    public int jdkAesGcmSeal() throws Exception {
        long v = ++n;
        for (int i = 11; i >= 4; i--, v >>>= 8) nonce[i] = (byte) v;
        aes.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce));
        return aes.doFinal(in, 0, in.length, out, 0);
    }

    @Benchmark
    public int bouncyCastleSeal() throws Exception {
        bc.init(true, new AEADParameters(bcKey, 128, nextNonce()));
        int len = bc.processBytes(in, 0, in.length, out, 0);
        return len + bc.doFinal(out, len);
    }
}
