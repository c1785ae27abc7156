package lanchat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JVM flags of the {@code lanchat} launcher script (its {@code flags="…"} line), so the "small flags" rows and the
 * discovery nodes run exactly what the launcher runs.
 */
final class LauncherFlags {
    private LauncherFlags() {}

    static List<String> read(Path repo) throws IOException {
        Path script = repo.resolve("lanchat");
        for (String line : Files.readAllLines(script)) {
            if (line.startsWith("flags=\"") && line.endsWith("\"")) return List.of(line.substring(7, line.length() - 1).split(" +"));
        }
        throw new IOException("no flags=\"…\" line in " + script);
    }
}
