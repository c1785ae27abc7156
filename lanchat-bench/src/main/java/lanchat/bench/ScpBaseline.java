package lanchat.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The file copy people would use instead of LAN Chat: {@code scp} of the same file over 127.0.0.1, to an
 * {@code sshd} this class starts itself, only for this measurement: on a free loopback port, as the current user,
 * with a throw-away host key and user key in a directory of the bench's work folder, and nothing of the machine's
 * SSH setup (no system config, no known_hosts, no agent). Every step is bounded in time; sshd is stopped and the
 * directory deleted afterwards. Nothing is installed: without an {@code sshd} on the machine the row says so.
 */
final class ScpBaseline {
    private static final long STEP_S = 20;
    private static final List<String> SSHD_PLACES = List.of("/usr/sbin/sshd", "/usr/local/sbin/sshd", "/usr/bin/sshd");

    private ScpBaseline() {}

    /** The result: MB/s, or why it was not measured. */
    record Result(Optional<Double> mbPerSec, String why) {
        static Result skipped(String why) {
            return new Result(Optional.empty(), why);
        }
    }

    /** Copies {@code src} with scp over 127.0.0.1, within {@code timeoutS} for the copy itself. */
    static Result measure(Path work, Path src, long timeoutS) {
        Optional<Path> sshd = find("sshd");
        Optional<Path> scp = find("scp");
        Optional<Path> keygen = find("ssh-keygen");
        if (sshd.isEmpty()) return Result.skipped("no sshd on this machine");
        if (scp.isEmpty() || keygen.isEmpty()) return Result.skipped("no scp or ssh-keygen on this machine");
        Path dir = null;
        Process server = null;
        try {
            dir = Files.createTempDirectory(work, "scp-baseline");
            Path hostKey = dir.resolve("host_key"), userKey = dir.resolve("user_key");
            for (Path key : List.of(hostKey, userKey)) {
                String failed = run(dir, STEP_S, keygen.get().toString(), "-q", "-t", "ed25519", "-N", "", "-f", key.toString());
                if (failed != null) return Result.skipped("ssh-keygen failed: " + failed);
            }
            Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            Path config = dir.resolve("sshd_config");
            Files.writeString(config, String.join("\n",
                    "ListenAddress 127.0.0.1",
                    "Port " + port,
                    "HostKey " + hostKey,
                    "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                    "PidFile " + dir.resolve("sshd.pid"),
                    "StrictModes no", // the work folder's modes are the bench's, not a home directory's
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "PermitRootLogin prohibit-password", // a bench run as root logs in with the throw-away key only
                    "Subsystem sftp internal-sftp", // scp of OpenSSH 9 speaks SFTP
                    ""));
            // -D: stays in the foreground, our child; -e: its log to stderr, kept in the directory
            server = new ProcessBuilder(sshd.get().toAbsolutePath().toString(), "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
            if (!listening(port, server)) return Result.skipped("sshd did not start: " + tail(dir.resolve("sshd.log")));
            Path copy = dir.resolve("copy.bin");
            long t0 = System.nanoTime();
            String failed = run(dir, timeoutS, scp.get().toString(), "-q", "-P", Integer.toString(port), "-i", userKey.toString(),
                    "-F", "none", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
                    src.toString(), "127.0.0.1:" + copy);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (failed != null) return Result.skipped("scp failed: " + failed + "; sshd: " + tail(dir.resolve("sshd.log")));
            if (!Files.exists(copy) || Files.size(copy) != Files.size(src)) return Result.skipped("scp copied " + (Files.exists(copy) ? Files.size(copy) : 0) + " bytes");
            return new Result(Optional.of(Files.size(src) / secs / 1e6), "");
        } catch (IOException e) {
            return Result.skipped(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.skipped("interrupted");
        } finally {
            if (server != null) stop(server);
            if (dir != null) delete(dir);
        }
    }

    private static Optional<Path> find(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        if (tool.equals("sshd")) return SSHD_PLACES.stream().map(Path::of).filter(Files::isExecutable).findFirst();
        return Optional.empty();
    }

    /** Runs a command to its end within {@code timeoutS}; null when it exited 0, else what went wrong. */
    private static String run(Path dir, long timeoutS, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            stop(p);
            return command[0] + " took more than " + timeoutS + " s";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + tail(out);
    }

    /** Waits (bounded) until sshd accepts connections on the port, or has exited. */
    private static boolean listening(int port, Process server) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_S);
        while (System.nanoTime() < end && server.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder in the bench's work folder; the suite clears that too
        }
    }
}
