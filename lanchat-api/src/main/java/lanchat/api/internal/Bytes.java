package lanchat.api.internal;

/** Byte-array helpers the wire code and its tests share. */
public final class Bytes {
    private Bytes() {}

    /** The parts one after another, in a new array. */
    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
