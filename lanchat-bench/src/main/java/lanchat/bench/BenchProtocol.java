package lanchat.bench;

import java.util.Arrays;

/**
 * The bench convention on a chat stream, shared by every bench peer (Java {@link BenchPeer}, interop go-peer and
 * js-peer in {@code -bench} mode). Lines are newline-terminated UTF-8, as on {@code /chat/1.1.0}:
 *
 * <ul>
 *   <li>{@code e<31 digits>} (32 bytes + {@code \n}): echoed back unchanged. RTT and setup use it.</li>
 *   <li>{@code d<65534 × x>} (65535 bytes + {@code \n} = one 64 KiB write): counted, not answered. Throughput.</li>
 *   <li>{@code sync}: answered with {@code synced <bytes of d-lines, newlines included, since the last sync>}.</li>
 * </ul>
 */
public final class BenchProtocol {
    private BenchProtocol() {}

    /** One data line on the wire, newline included: the 64 KiB write. */
    public static final int WRITE_BYTES = 64 * 1024;
    public static final String SYNC = "sync";
    public static final String SYNCED = "synced ";

    public static String echoLine(long i) {
        return String.format("e%031d", i);
    }

    /** The data line's text without its newline. */
    public static String dataText() {
        char[] c = new char[WRITE_BYTES - 1];
        Arrays.fill(c, 'x');
        c[0] = 'd';
        return new String(c);
    }

    /** The data line with its newline, as raw bytes. */
    public static byte[] dataBytes() {
        byte[] b = new byte[WRITE_BYTES];
        Arrays.fill(b, (byte) 'x');
        b[0] = 'd';
        b[b.length - 1] = '\n';
        return b;
    }
}
