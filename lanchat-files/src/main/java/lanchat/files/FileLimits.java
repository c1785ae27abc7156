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
 */
public record FileLimits(long maxOfferBytes, int maxTransfers, int maxPendingOffers, int chunkBytes, int maxChunkBytes, long maxBytesPerSecond,
                         long reserveDiskBytes) {
    static final int MIN_CHUNK = 1024;
    /** Bounded by the channel's message limit ({@link FileService#LIMITS}). */
    static final int MAX_CHUNK = 256 * 1024;

    public static final FileLimits DEFAULTS = new FileLimits(64L << 30, 4, 64, 64 * 1024, MAX_CHUNK, 0, 64L << 20);

    public FileLimits {
        if (maxOfferBytes < 0) throw new IllegalArgumentException("file.maxOfferSize must be positive");
        if (maxTransfers < 1 || maxTransfers > 64) throw new IllegalArgumentException("file.maxTransfers must be 1..64");
        if (maxPendingOffers < 1 || maxPendingOffers > 4096) throw new IllegalArgumentException("file.maxPendingOffers must be 1..4096");
        if (chunkBytes < MIN_CHUNK || chunkBytes > MAX_CHUNK) throw new IllegalArgumentException("file.chunkSize must be 1KiB..256KiB");
        if (maxChunkBytes < MIN_CHUNK || maxChunkBytes > MAX_CHUNK) throw new IllegalArgumentException("file.maxChunkSize must be 1KiB..256KiB");
        if (maxBytesPerSecond < 0 || reserveDiskBytes < 0) throw new IllegalArgumentException("file.rate and file.reserveDisk must not be negative");
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
        return m;
    }

    /** True for the names this record takes ({@code file.…}); the rest belong to {@link ResourceLimits}. */
    public static boolean owns(String name) {
        return name.startsWith("file.");
    }

    /** A copy with one limit changed; sizes as the resource manager reads them ({@code 65536}, {@code 512KiB}, {@code 4GiB}). */
    public FileLimits with(String name, String value) {
        long v = ResourceLimits.parseBytes(name, value);
        return switch (name) {
            case "file.maxOfferSize" -> new FileLimits(v, maxTransfers, maxPendingOffers, chunkBytes, maxChunkBytes, maxBytesPerSecond, reserveDiskBytes);
            case "file.maxTransfers" -> new FileLimits(maxOfferBytes, toInt(v), maxPendingOffers, chunkBytes, maxChunkBytes, maxBytesPerSecond, reserveDiskBytes);
            case "file.maxPendingOffers" -> new FileLimits(maxOfferBytes, maxTransfers, toInt(v), chunkBytes, maxChunkBytes, maxBytesPerSecond, reserveDiskBytes);
            case "file.chunkSize" -> new FileLimits(maxOfferBytes, maxTransfers, maxPendingOffers, toInt(v), maxChunkBytes, maxBytesPerSecond, reserveDiskBytes);
            case "file.maxChunkSize" -> new FileLimits(maxOfferBytes, maxTransfers, maxPendingOffers, chunkBytes, toInt(v), maxBytesPerSecond, reserveDiskBytes);
            case "file.rate" -> new FileLimits(maxOfferBytes, maxTransfers, maxPendingOffers, chunkBytes, maxChunkBytes, v, reserveDiskBytes);
            case "file.reserveDisk" -> new FileLimits(maxOfferBytes, maxTransfers, maxPendingOffers, chunkBytes, maxChunkBytes, maxBytesPerSecond, v);
            default -> throw new IllegalArgumentException("unknown limit " + name + "; known: " + String.join(", ", names().keySet()));
        };
    }

    private static int toInt(long v) {
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException("too large: " + v);
        return (int) v;
    }
}
