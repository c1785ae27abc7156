package lanchat.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;

/**
 * What a peer's file name becomes on our disk. A name comes from the network, so it is reduced to one harmless path
 * segment: its last component only (no {@code ../}, no absolute path, either separator), no control or bidi
 * characters, none of the characters Windows forbids, no leading dots (no hidden or {@code ..} names), no trailing
 * dots or spaces, no device names ({@code CON}, {@code NUL.txt}, {@code COM1}: they stay special on Windows whatever
 * the extension), at most {@link #MAX_BYTES} UTF-8 bytes. And a file is never overwritten: {@code name (1).ext}.
 */
public final class FileNames {
    /** Most file systems allow 255 bytes per name; room is left for {@code " (999)"}. */
    static final int MAX_BYTES = 200;
    private static final Set<String> DEVICES = Set.of("CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");
    /** How many {@code (n)} suffixes are tried before giving up (a directory full of one name is an attack). */
    static final int MAX_COPIES = 999;

    private FileNames() {}

    /** A safe single file name for {@code offered}; never empty, never a path. */
    public static String sanitize(String offered) {
        String s = offered == null ? "" : Normalizer.normalize(offered, Normalizer.Form.NFC);
        int cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        s = s.substring(cut + 1);
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)
                    || c == 0xFEFF || "<>:\"|?*".indexOf(c) >= 0) {
                b.append('_');
            } else {
                b.appendCodePoint(c);
            }
        });
        s = b.toString().strip();
        s = s.replaceFirst("^\\.+", "");             // no hidden files, no "." or ".."
        s = s.replaceFirst("[. ]+$", "");            // Windows drops these, so "CON." is "CON"
        if (s.isEmpty()) s = "file";
        String stem = s.contains(".") ? s.substring(0, s.indexOf('.')) : s;
        if (DEVICES.contains(stem.strip().toUpperCase(Locale.ROOT))) s = "_" + s;
        return truncate(s);
    }

    /** Cuts to {@link #MAX_BYTES} UTF-8 bytes on a code point boundary, keeping a short extension. */
    private static String truncate(String s) {
        if (s.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES) return s;
        String ext = extension(s);
        if (ext.getBytes(StandardCharsets.UTF_8).length > 16) ext = "";
        int budget = MAX_BYTES - ext.getBytes(StandardCharsets.UTF_8).length;
        StringBuilder b = new StringBuilder();
        int used = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int n = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8).length;
            if (used + n > budget) break;
            b.appendCodePoint(c);
            used += n;
            i += Character.charCount(c);
        }
        return b + ext;
    }

    /** {@code ".txt"} of {@code "a.txt"}, {@code ".gz"} of {@code "a.tar.gz"}, "" without a dot. */
    static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot);
    }

    /** {@code name}, {@code name (1).ext}, {@code name (2).ext}, …: the {@code n}th candidate. */
    static String candidate(String name, int n) {
        if (n == 0) return name;
        String ext = extension(name);
        return name.substring(0, name.length() - ext.length()) + " (" + n + ")" + ext;
    }

    /**
     * Moves {@code source} into {@code dir} under {@code name} or the first free {@code name (n).ext}; never replaces
     * a file. Returns where it landed.
     */
    public static Path moveIntoPlace(Path source, Path dir, String name) throws IOException {
        for (int n = 0; n <= MAX_COPIES; n++) {
            Path target = dir.resolve(candidate(name, n));
            try {
                // a hard link fails atomically when the name exists (a rename would silently replace it)
                Files.createLink(target, source);
                Files.delete(source);
                return target;
            } catch (FileAlreadyExistsException taken) {
                // next candidate
            } catch (UnsupportedOperationException | IOException noLinks) {
                if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                // a file system without hard links: a move that refuses an existing target (small race, no replace)
                try {
                    return Files.move(source, target);
                } catch (FileAlreadyExistsException raced) {
                    // next candidate
                }
            }
        }
        throw new IOException("more than " + MAX_COPIES + " files named " + name + " in " + dir);
    }
}
