package lanchat.files;

import java.util.LinkedHashMap;
import java.util.Map;

import lanchat.api.resource.ResourceLimits;

/**
 * What file sharing may cost, beyond what the resource manager already bounds for its channels (every channel's
 * buffers are reserved there through {@link FileService#LIMITS}). Set with {@code --limit file.NAME=VALUE} like the
 * resource manager's limits.
 *
 * @param maxOfferBytes largest file we accept an offer for (and offer ourselves)
 * @param maxTransfers transfers running at once, both directions together; more wait their turn (ours) or are refused (a peer's GET)
 * @param maxPendingOffers received files not yet finished (offered, waiting, running, interrupted); more offers are dropped
 *        with one line. Counting accepted ones too keeps --accept-from-room bounded: it moves each offer on at once
 * @param chunkBytes the chunk size we offer with
 * @param maxChunkBytes the largest chunk size we accept in a peer's offer
 * @param maxBytesPerSecond what one node sends and receives at most per second over all transfers (0: as fast as the peer reads)
 * @param reserveDiskBytes free space that must remain after an accepted file is written
 * @param keepFinished finished transfers (done, failed, cancelled, rejected) kept for {@code /transfers}; beyond, the
 *        oldest finished go. Without it every offer a peer makes and cancels again would stay in memory for the whole run
 * @param maxOpenOffers offers of ours kept open at once, in memory and under the data directory (each file of a folder
 *        and each /send is one); a /send beyond is refused with a line once no finished offer can make room
 * @param refusalLines lines about refused offers shown per peer per run (one per 10 s at most); then one "further
 *        refusals not shown" line and silence for that peer
 */
public record FileLimits(long maxOfferBytes, int maxTransfers, int maxPendingOffers, int chunkBytes, int maxChunkBytes, long maxBytesPerSecond,
                         long reserveDiskBytes, int keepFinished, int maxOpenOffers, int refusalLines) {
    static final int MIN_CHUNK = 1024;
    /** Bounded by the channel's message limit ({@link FileService#LIMITS}). */
    static final int MAX_CHUNK = 256 * 1024;

    public static final FileLimits DEFAULTS = new FileLimits(64L << 30, 4, 64, 64 * 1024, MAX_CHUNK, 0, 64L << 20, 100, 4000, 1024);

    public FileLimits {
        if (maxOfferBytes < 0) throw new IllegalArgumentException("file.maxOfferSize must be positive");
        if (maxTransfers < 1 || maxTransfers > 64) throw new IllegalArgumentException("file.maxTransfers must be 1..64");
        if (maxPendingOffers < 1 || maxPendingOffers > 4096) throw new IllegalArgumentException("file.maxPendingOffers must be 1..4096");
        if (chunkBytes < MIN_CHUNK || chunkBytes > MAX_CHUNK) throw new IllegalArgumentException("file.chunkSize must be 1KiB..256KiB");
        if (maxChunkBytes < MIN_CHUNK || maxChunkBytes > MAX_CHUNK) throw new IllegalArgumentException("file.maxChunkSize must be 1KiB..256KiB");
        if (maxBytesPerSecond < 0 || reserveDiskBytes < 0) throw new IllegalArgumentException("file.rate and file.reserveDisk must not be negative");
        if (keepFinished < 0 || keepFinished > 100_000) throw new IllegalArgumentException("file.keepFinished must be 0..100000");
        if (maxOpenOffers < 1 || maxOpenOffers > 100_000) throw new IllegalArgumentException("file.maxOpenOffers must be 1..100000");
        if (refusalLines < 0 || refusalLines > 100_000) throw new IllegalArgumentException("file.refusalLines must be 0..100000");
    }

    /** The names {@code --limit} knows, with their current values. */
    public Map<String, String> names() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("file.maxOfferSize", Long.toString(maxOfferBytes));
        m.put("file.maxTransfers", Integer.toString(maxTransfers));
        m.put("file.maxPendingOffers", Integer.toString(maxPendingOffers));
        m.put("file.chunkSize", Integer.toString(chunkBytes));
        m.put("file.maxChunkSize", Integer.toString(maxChunkBytes));
        m.put("file.rate", Long.toString(maxBytesPerSecond));
        m.put("file.reserveDisk", Long.toString(reserveDiskBytes));
        m.put("file.keepFinished", Integer.toString(keepFinished));
        m.put("file.maxOpenOffers", Integer.toString(maxOpenOffers));
        m.put("file.refusalLines", Integer.toString(refusalLines));
        return m;
    }

    /** True for the names this record takes ({@code file.…}); the rest belong to {@link ResourceLimits}. */
    public static boolean owns(String name) {
        return name.startsWith("file.");
    }

    /** A copy with one limit changed; sizes as the resource manager reads them ({@code 65536}, {@code 512KiB}, {@code 4GiB}). */
    public FileLimits with(String name, String value) {
        if (!names().containsKey(name)) throw new IllegalArgumentException("unknown limit " + name + "; known: " + String.join(", ", names().keySet()));
        Map<String, String> m = names();
        m.put(name, Long.toString(ResourceLimits.parseBytes(name, value)));
        return new FileLimits(Long.parseLong(m.get("file.maxOfferSize")), toInt(m, "file.maxTransfers"), toInt(m, "file.maxPendingOffers"),
                toInt(m, "file.chunkSize"), toInt(m, "file.maxChunkSize"), Long.parseLong(m.get("file.rate")), Long.parseLong(m.get("file.reserveDisk")),
                toInt(m, "file.keepFinished"), toInt(m, "file.maxOpenOffers"), toInt(m, "file.refusalLines"));
    }

    private static int toInt(Map<String, String> m, String name) {
        long v = Long.parseLong(m.get(name));
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException(name + " too large: " + v);
        return (int) v;
    }
}
