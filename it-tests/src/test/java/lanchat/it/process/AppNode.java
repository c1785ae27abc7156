package lanchat.it.process;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import lanchat.it.ItEnv;

/**
 * A real LAN Chat process on 127.0.0.1, started exactly as a user starts it
 * ({@code java -p mods -m lanchat.app --transport T -port 0 --host 127.0.0.1 …}); ready once it printed
 * {@code Listening on /ip4/127.0.0.1/tcp/<port>/p2p/<id>}.
 */
public final class AppNode extends ProcessNode {
    public static final Duration START = Duration.ofSeconds(30); // a JVM start on a loaded 2-core machine
    public static final Pattern LISTENING = Pattern.compile("Listening on (/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/(\\w+))");

    /** {@code /ip4/127.0.0.1/tcp/<port>/p2p/<id>}, from the {@code Listening on} line. */
    public String address;
    public String peerId;

    private AppNode(String name, List<String> command) throws IOException {
        super(name, command);
    }

    /** Starts the app from {@code mods} (a private snapshot, see {@link #snapshotMods}) and waits until it listens. */
    public static AppNode start(String name, Path mods, String transport, String... extra) throws IOException {
        AppNode n = launch(name, mods, transport, extra);
        n.awaitStarted();
        return n;
    }

    /** Starts the app without waiting; call {@link #awaitStarted()} before using {@link #address} or {@link #peerId}. */
    public static AppNode launch(String name, Path mods, String transport, String... extra) throws IOException {
        return launch(name, mods, List.of(), transport, extra);
    }

    /** {@link #launch(String, Path, String, String...)} with JVM options (before {@code -p}). */
    public static AppNode launch(String name, Path mods, List<String> jvmOptions, String transport, String... extra) throws IOException {
        return new AppNode(name, launchCommand(mods, jvmOptions, transport, extra));
    }

    private static List<String> launchCommand(Path mods, List<String> jvmOptions, String transport, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-p", mods.toString(), "-m", "lanchat.app", "--transport", transport, "-port", "0", "--host", "127.0.0.1"));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    /**
     * {@link #launch} behind a command {@code prefix} that ends by exec'ing the JVM (e.g. {@code unshare --mount … sh -c
     * '…; exec "$@"' sh}), so that the process is the JVM and sees what the prefix set up.
     */
    public static AppNode launchWithin(List<String> prefix, String name, Path mods, String transport, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(launchCommand(mods, List.of(), transport, extra));
        return new AppNode(name, cmd);
    }

    /** JVM options that log every class the node loads, with where from, to {@code file} (read it once the node exited). */
    public static List<String> logClassLoading(Path file) {
        return List.of("-Xlog:class+load=info:file=" + file);
    }

    /** The lines of such a log that name classes of BouncyCastle or of lanchat.crypto.bc (the lazily loaded crypto). */
    public static List<String> lazyCryptoClasses(Path classLog) throws IOException {
        List<String> lines = Files.readAllLines(classLog);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" lanchat.app.Main ")), "not a class-load log of the app: " + classLog);
        return lines.stream().filter(l -> l.contains(" org.bouncycastle.") || l.contains(" lanchat.crypto.bc.")).toList();
    }

    /**
     * Starts the app through the {@code ./lanchat} launcher script of the repository that holds {@code mods/}
     * ({@code LANCHAT_MODS} pointing at the snapshot); the script execs the JVM, so this process is the JVM.
     */
    public static AppNode launchScript(String name, Path mods, String transport, String... extra) throws IOException {
        Path script = liveMods().getParent().resolve("lanchat");
        List<String> cmd = new ArrayList<>(List.of("env", "LANCHAT_MODS=" + mods, "sh", script.toString(),
                "--transport", transport, "-port", "0", "--host", "127.0.0.1"));
        cmd.addAll(List.of(extra));
        return new AppNode(name, cmd);
    }

    public AppNode awaitStarted() {
        String line = awaitLine(0, l -> LISTENING.matcher(l).matches(), START, "a 'Listening on /ip4/127.0.0.1/…' line");
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.matches());
        address = m.group(1);
        peerId = m.group(2);
        assertTrue(peerId.startsWith("12D3KooW"), peerId);
        return this;
    }

    /** Types /quit. */
    public void quit() {
        stopRequested();
        type("/quit");
    }

    /** The last 6 characters of a peer id: how the app names a peer that sent no nick. */
    public static String shortId(String peerId) {
        return peerId.substring(peerId.length() - 6);
    }

    /**
     * How the app prefixes a line of a plain libp2p peer (go, js: no room protocol, no signature) that sent no nick,
     * straight from it: {@code x7Kq9z (unsigned): } (issue 14).
     */
    public static String unsigned(String peerId) {
        return shortId(peerId) + " (unsigned): ";
    }

    // ---- mods/ snapshot ----

    /** {@code -Dit.mods} (set by Failsafe) or {@code ../mods} from the module directory. */
    public static Path liveMods() {
        return Path.of(System.getProperty("it.mods", "../mods")).toAbsolutePath().normalize();
    }

    /**
     * A private copy of mods/*.jar and mods/lazy/*.jar. Other engineers rebuild mods/ at any time (lanchat-app's build
     * empties it first), so processes run from a copy; fails the test when mods/ has no single lanchat-app jar.
     */
    public static Path snapshotMods(String prefix) throws IOException {
        Path live = liveMods();
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(live)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(live, "*.jar")) {
                ds.forEach(jars::add);
            }
        }
        if (jars.stream().filter(j -> j.getFileName().toString().startsWith("lanchat-app")).count() != 1) {
            fail("expected exactly one lanchat-app*.jar in " + live + ", found " + jars + ". Run: mvn -q -pl lanchat-app -am package -DskipTests");
        }
        Path dir = Files.createTempDirectory(prefix);
        ItEnv.copyModules(live, dir);
        return dir;
    }

    /**
     * {@link #snapshotMods} with the runtime image {@code mods/image} as well (lanchat-app's build links it:
     * scripts/build-image.sh), every file's times kept: the launcher starts from the image only when no jar is newer
     * than it. Fails the test when the build made none.
     */
    public static Path snapshotModsWithImage(String prefix) throws IOException {
        Path image = liveMods().resolve("image");
        if (!Files.isRegularFile(image.resolve("lib").resolve("modules"))) {
            fail("no runtime image in " + image + ": lanchat-app's build links one (its build-image line says why not)");
        }
        Path dir = snapshotMods(prefix);
        try (Stream<Path> s = Files.walk(image)) {
            for (Path p : s.toList()) {
                Path to = dir.resolve("image").resolve(image.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return dir;
    }

    public static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
