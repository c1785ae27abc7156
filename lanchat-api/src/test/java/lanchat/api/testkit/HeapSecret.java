package lanchat.api.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A random passphrase that the test itself never holds in clear (only masked), and a check that no copy of it is left
 * anywhere in this JVM's heap: a heap dump of every object, live or not yet collected, searched for it as Latin-1
 * (a String's bytes) and as UTF-16 (a char[] or String; HPROF writes them big-endian). For the code that reads a
 * passphrase: what it wipes is gone, a String it made on the way is not (Strings cannot be wiped).
 */
public final class HeapSecret {
    private static final byte MASK = 0x5a;
    private final byte[] masked;

    /** {@code length} random lower-case letters (ASCII: one byte per char in a String). */
    public HeapSecret(int length) {
        masked = new byte[length];
        SecureRandom r = new SecureRandom();
        for (int i = 0; i < length; i++) masked[i] = (byte) (('a' + r.nextInt(26)) ^ MASK);
    }

    /** The passphrase as a fresh array; the caller wipes it. */
    public char[] chars() {
        char[] c = new char[masked.length];
        for (int i = 0; i < c.length; i++) c[i] = (char) (masked[i] ^ MASK);
        return c;
    }

    /** The passphrase as UTF-8 bytes (ASCII), e.g. a file's content; the caller wipes it. */
    public byte[] bytes() {
        byte[] b = new byte[masked.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (masked[i] ^ MASK);
        return b;
    }

    /**
     * Whether a dump of every object in the heap, reachable or not, holds the passphrase. Call it right after the code
     * under test, before anything could make a collector reclaim what it left.
     */
    public boolean inHeap(Path dumpDir) throws IOException {
        Path dump = dumpDir.resolve("heap-" + System.nanoTime() + ".hprof");
        try { // by reflection: the test sources compile as a module which does not read java.management
            Class<?> diagnostics = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getPlatformMXBean", Class.class).invoke(null, diagnostics);
            diagnostics.getMethod("dumpHeap", String.class, boolean.class).invoke(bean, dump.toString(), false);
        } catch (ReflectiveOperationException e) {
            throw new IOException("cannot dump the heap", e);
        }
        int[] failLatin1 = failure(1), failUtf16 = failure(2);
        byte[] buf = new byte[1 << 16]; // holds pieces of the dump, the passphrase among them: wiped after the scan
        try (InputStream in = Files.newInputStream(dump)) {
            int latin1 = 0, utf16 = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    latin1 = step(latin1, buf[i], 1, failLatin1);
                    utf16 = step(utf16, buf[i], 2, failUtf16);
                    if (latin1 == masked.length || utf16 == 2 * masked.length) return true;
                }
            }
            return false;
        } finally {
            Arrays.fill(buf, (byte) 0);
            Files.deleteIfExists(dump);
        }
    }

    /** Knuth-Morris-Pratt: how much of the pattern still matches after a mismatch at each position. */
    private int[] failure(int width) {
        int n = masked.length * width;
        int[] f = new int[n + 1];
        for (int i = 1, k = 0; i < n; i++) {
            while (k > 0 && expected(i, width) != expected(k, width)) k = f[k];
            if (expected(i, width) == expected(k, width)) k++;
            f[i + 1] = k;
        }
        return f;
    }

    /** One byte of the dump: {@code matched} bytes of the pattern (in {@code width} bytes per char) matched so far. */
    private int step(int matched, byte b, int width, int[] failure) {
        while (matched > 0 && b != expected(matched, width)) matched = failure[matched];
        return b == expected(matched, width) ? matched + 1 : 0;
    }

    private byte expected(int at, int width) {
        int c = masked[at / width] ^ MASK;
        return width == 1 ? (byte) c : (at % 2 == 0 ? 0 : (byte) c);
    }
}
