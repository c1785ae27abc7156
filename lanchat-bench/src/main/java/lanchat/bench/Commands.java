package lanchat.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Short helper commands (version probes, jcmd) whose output the suite reads, and command lines built from parts. */
final class Commands {
    private Commands() {}

    /** Trimmed stdout+stderr of a command, "?" when it fails or cannot run; bounded to 20 s. */
    static String output(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
            return p.exitValue() == 0 ? s : "?";
        } catch (Exception e) {
            return "?";
        }
    }

    static boolean which(String cmd) {
        return !output("sh", "-c", "command -v " + cmd).isBlank();
    }

    /** {@code jcmd <pid> args…} of this JDK, its output whatever the exit code; bounded to 30 s. */
    static String jcmd(long pid, String... args) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), String.valueOf(pid)));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] b = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        return new String(b, StandardCharsets.UTF_8);
    }

    static List<String> concat(List<String> a, String... b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(Arrays.asList(b));
        return l;
    }
}
