package lanchat.files;

import java.nio.file.Path;
import java.util.Optional;

/**
 * @param downloads where accepted files land (created when missing); partial files wait in its {@code .lanchat-partial}
 * @param limits what file sharing may cost
 * @param autoAccept accept every offer from a connected peer at once (the user chose so with {@code --accept-from-room})
 * @param offers where our open offers are kept so that they survive a restart ({@code DATA/PEERID/offers}, one
 *        {@code ID.offer} each); empty: offers live in memory only, and a restarted node answers "unknown offer"
 */
public record FileConfig(Path downloads, FileLimits limits, boolean autoAccept, Optional<Path> offers) {
    public FileConfig {
        if (downloads == null || limits == null) throw new IllegalArgumentException("downloads and limits are required");
        offers = offers == null ? Optional.empty() : offers;
    }

    /** Offers kept in memory only. */
    public FileConfig(Path downloads, FileLimits limits, boolean autoAccept) {
        this(downloads, limits, autoAccept, Optional.empty());
    }
}
