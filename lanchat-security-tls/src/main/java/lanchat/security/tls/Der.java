package lanchat.security.tls;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * The few DER elements of libp2p's certificate, and the reading of its one extension: tag, length, content. Why not a
 * library: the JDK has no public ASN.1 API, and BouncyCastle's would be loaded by every node at its first connection
 * (BC is kept for peers that need it: {@code lanchat.api.crypto.LazyCrypto}). What is written here is checked by the
 * JDK's own X.509 parser in the tests and by go-libp2p and js-libp2p in the interop tests; what is read is bounded
 * and strict (definite lengths, nothing left over).
 */
final class Der {
    static final int SEQUENCE = 0x30, SET = 0x31, INTEGER = 0x02, BIT_STRING = 0x03, OCTET_STRING = 0x04,
            OID = 0x06, PRINTABLE_STRING = 0x13, UTC_TIME = 0x17, GENERALIZED_TIME = 0x18;

    private Der() {}

    /** One element: tag, definite length, content. */
    static byte[] tlv(int tag, byte[]... content) {
        int n = 0;
        for (byte[] c : content) n += c.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 6);
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : 3;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) out.write(n >>> (8 * i));
        }
        for (byte[] c : content) out.writeBytes(c);
        return out.toByteArray();
    }

    /** A non-negative INTEGER from its big-endian magnitude. */
    static byte[] positiveInteger(byte[] magnitude) {
        int i = 0;
        while (i < magnitude.length - 1 && magnitude[i] == 0) i++;
        byte[] m = Arrays.copyOfRange(magnitude, i, magnitude.length);
        return (m[0] & 0x80) != 0 ? tlv(INTEGER, new byte[] {0}, m) : tlv(INTEGER, m);
    }

    /** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
    static byte[] time(ZonedDateTime t) {
        ZonedDateTime utc = t.withZoneSameInstant(ZoneOffset.UTC);
        boolean utcTime = utc.getYear() < 2050;
        String s = utc.format(DateTimeFormatter.ofPattern(utcTime ? "yyMMddHHmmss'Z'" : "yyyyMMddHHmmss'Z'"));
        return tlv(utcTime ? UTC_TIME : GENERALIZED_TIME, s.getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads elements one after the other from a byte range. */
    static final class Reader {
        private final byte[] in;
        private int pos;
        private final int end;

        Reader(byte[] in) {
            this(in, 0, in.length);
        }

        private Reader(byte[] in, int from, int end) {
            this.in = in;
            this.pos = from;
            this.end = end;
        }

        /** The content of the next element, which must have {@code tag}. */
        Reader next(int tag, String what) {
            if (pos + 2 > end) throw new IllegalArgumentException(what + ": truncated");
            int t = in[pos++] & 0xff;
            if (t != tag) throw new IllegalArgumentException(what + ": expected tag 0x" + Integer.toHexString(tag) + ", got 0x" + Integer.toHexString(t));
            int len = in[pos++] & 0xff;
            if (len >= 0x80) {
                int bytes = len & 0x7f;
                if (bytes == 0 || bytes > 3) throw new IllegalArgumentException(what + ": unsupported length form");
                if (pos + bytes > end) throw new IllegalArgumentException(what + ": truncated");
                len = 0;
                for (int i = 0; i < bytes; i++) len = (len << 8) | (in[pos++] & 0xff);
                if (len < 0x80 || (bytes > 1 && len >>> (8 * (bytes - 1)) == 0)) throw new IllegalArgumentException(what + ": length not in its shortest form");
            }
            if (len > end - pos) throw new IllegalArgumentException(what + ": truncated");
            Reader content = new Reader(in, pos, pos + len);
            pos += len;
            return content;
        }

        byte[] bytes() {
            return Arrays.copyOfRange(in, pos, end);
        }

        void end(String what) {
            if (pos != end) throw new IllegalArgumentException(what + ": " + (end - pos) + " bytes left over");
        }
    }
}
