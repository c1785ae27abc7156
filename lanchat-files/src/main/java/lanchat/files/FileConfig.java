package lanchat.files;

import java.nio.file.Path;

/**
 * @param downloads where accepted files land (created when missing); partial files wait in its {@code .lanchat-partial}
 * @param limits what file sharing may cost
 * @param autoAccept accept every offer from a connected peer at once (the user chose so with {@code --accept-from-room})
 */
public record FileConfig(Path downloads, FileLimits limits, boolean autoAccept) {
    public FileConfig {
        if (downloads == null || limits == null) throw new IllegalArgumentException("downloads and limits are required");
    }
}
