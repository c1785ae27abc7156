package lanchat.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;

import lanchat.api.PeerId;

/**
 * Our open offers on disk, so that a receiver can still fetch (and resume) a file after this node restarted with the
 * same identity: one {@code ID.offer} per offer (a {@code Properties} file, like the receiver's {@link Sidecar}),
 * written to a temporary file and moved into place atomically, so a crash leaves the old file or the new one, never
 * half of one. What is stored is what the sender checks before serving (path, size, modification time, SHA-256) and
 * whom it was offered to; the receivers' progress is theirs to keep.
 */
final class OfferStore {
    static final String SUFFIX = ".offer";
    private static final String TMP = ".tmp";

    /** One stored offer. {@code peers}: the peers it was offered to (only they may fetch it). */
    record Stored(String id, Path path, long size, FileTime modified, byte[] sha256, String name, int chunkSize, Instant offeredAt, List<PeerId> peers) {}

    private final Path dir;

    OfferStore(Path dir) {
        this.dir = dir;
    }

    Path dir() { return dir; }

    Path file(String id) { return dir.resolve(id + SUFFIX); }

    void save(Stored s) throws IOException {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("id", s.id());
        p.setProperty("path", s.path().toAbsolutePath().toString());
        p.setProperty("size", Long.toString(s.size()));
        p.setProperty("modified", s.modified().toInstant().toString());
        p.setProperty("sha256", HexFormat.of().formatHex(s.sha256()));
        p.setProperty("name", s.name());
        p.setProperty("chunkSize", Integer.toString(s.chunkSize()));
        p.setProperty("offeredAt", s.offeredAt().toString());
        p.setProperty("peers", String.join(",", s.peers().stream().map(PeerId::toString).toList()));
        Path tmp = dir.resolve(s.id() + SUFFIX + TMP);
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "lanchat open offer");
        }
        Files.move(tmp, file(s.id()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    void delete(String id) {
        try {
            Files.deleteIfExists(file(id));
        } catch (IOException e) {
            // a leftover offer file is loaded again at the next start and pruned like any other
        }
    }

    /**
     * The stored offers, oldest first, at most {@code max} (the newest beyond it are deleted with a line: the bound
     * holds even for a directory someone filled by hand); unreadable files and leftovers of an interrupted save are
     * deleted with a line each.
     */
    List<Stored> load(int max, Consumer<String> info) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Stored> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.sorted().toList();
        }
        for (Path f : files) {
            String n = f.getFileName().toString();
            if (n.endsWith(SUFFIX + TMP)) {
                Files.deleteIfExists(f); // a save cut by a crash: the previous version (if any) is still in place
                continue;
            }
            if (!n.endsWith(SUFFIX)) continue;
            try {
                out.add(read(f));
            } catch (IOException | RuntimeException e) {
                info.accept("ignored a stored offer " + n + ": " + e.getMessage());
                Files.deleteIfExists(f);
            }
        }
        out.sort((a, b) -> a.offeredAt().compareTo(b.offeredAt()));
        if (out.size() > max) {
            List<Stored> dropped = out.subList(max, out.size());
            info.accept(dropped.size() + " stored offers beyond file.maxOpenOffers (" + max + ") are dropped");
            for (Stored s : dropped) delete(s.id());
            out = new ArrayList<>(out.subList(0, max));
        }
        return out;
    }

    private static Stored read(Path f) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(f)) {
            p.load(in);
        }
        String id = p.getProperty("id", "");
        if (!id.matches("[0-9a-f]{32}") || !f.getFileName().toString().equals(id + SUFFIX)) throw new IOException("its id does not match its name");
        byte[] sha = HexFormat.of().parseHex(p.getProperty("sha256"));
        long size = Long.parseLong(p.getProperty("size"));
        int chunk = Integer.parseInt(p.getProperty("chunkSize"));
        if (sha.length != 32 || size < 0 || chunk < FileLimits.MIN_CHUNK || chunk > FileLimits.MAX_CHUNK) throw new IOException("inconsistent");
        String peers = p.getProperty("peers", "");
        List<PeerId> to = peers.isEmpty() ? List.of() : Arrays.stream(peers.split(",")).map(PeerId::parse).toList();
        return new Stored(id, Path.of(p.getProperty("path")), size, FileTime.from(Instant.parse(p.getProperty("modified"))), sha,
                FileNames.sanitize(p.getProperty("name")), chunk, Instant.parse(p.getProperty("offeredAt")), to);
    }
}
