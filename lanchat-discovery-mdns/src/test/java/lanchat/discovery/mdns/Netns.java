package lanchat.discovery.mdns;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two private network namespaces joined by a veth pair, for real multicast that never reaches a host interface:
 * neither veth end is in the host namespace, and nothing in the host namespace joins a group or sends. Everything made
 * here is removed by {@link #close()} and, should the JVM die first, by a shutdown hook; namespaces left by a killed
 * earlier run (their owner process is gone) are removed on the next start. Names carry the JVM's pid:
 * {@code lc-mdns-<pid>-<tag>-a} / {@code -b}, veths {@code lcm<tag>a} / {@code lcm<tag>b}.
 *
 * <p>Public, in this module's test jar, for the app's tests that run a whole node in a namespace.
 */
public final class Netns implements AutoCloseable {
    static final String PREFIX = "lc-mdns-";
    final String tag = Integer.toHexString(0x10000 + new SecureRandom().nextInt(0xEFFFF));
    public final String nsA = PREFIX + ProcessHandle.current().pid() + "-" + tag + "-a", nsB = PREFIX + ProcessHandle.current().pid() + "-" + tag + "-b";
    String vethA = "lcm" + tag + "a", vethB = "lcm" + tag + "b";
    public final int subnet = 100 + new SecureRandom().nextInt(100);
    public final List<Child> children = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::cleanup, "netns-cleanup");
    private boolean closed;

    /** Skips the calling test (or fails it with {@code -Dit.requireNetns=true}) unless namespaces can be made here. */
    public static void assumeAvailable() {
        String why = null;
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) why = "not Linux";
        else if (!"root".equals(System.getProperty("user.name"))) why = "not running as root";
        else if (!new File("/usr/sbin/ip").canExecute() && !new File("/sbin/ip").canExecute() && !new File("/usr/bin/ip").canExecute()) why = "iproute2 (ip) not installed";
        else {
            String probe = PREFIX + ProcessHandle.current().pid() + "-probe";
            try {
                Result r = run("ip", "netns", "add", probe);
                run("ip", "netns", "del", probe);
                if (r.code != 0) why = "cannot create a network namespace: " + r.out.trim();
            } catch (IOException e) {
                why = "cannot run ip: " + e.getMessage();
            }
        }
        if (why == null) return;
        if (Boolean.getBoolean("it.requireNetns")) fail("[it.requireNetns=true] network-namespace tests cannot run: " + why);
        assumeTrue(false, "network-namespace tests skipped: " + why + " (-Dit.requireNetns=true turns this into a failure)");
    }

    /**
     * Skips the calling test when an interop reference peer is not built ({@code missing} says which), or fails it
     * with {@code -Dit.requireInterop=true}, as CI runs (scripts/test-all.sh builds the peers first).
     */
    static void requireInteropPeer(String missing) {
        if (missing == null) return;
        String message = missing + " (run interop/build.sh)";
        if (Boolean.getBoolean("it.requireInterop")) fail("[it.requireInterop=true] interop test cannot run: " + message);
        assumeTrue(false, "interop test skipped: " + message + " (-Dit.requireInterop=true turns this into a failure)");
    }

    /** {@code exe} found on the PATH, if any. */
    static java.util.Optional<Path> onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return java.util.Optional.empty();
        return java.util.Arrays.stream(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, exe)).filter(Files::isExecutable).findFirst();
    }

    public String ipA() {
        return "10.77." + subnet + ".1";
    }

    public String ipB() {
        return "10.77." + subnet + ".2";
    }

    String ip6A() {
        return "fd77:" + Integer.toHexString(subnet) + "::1";
    }

    String ip6B() {
        return "fd77:" + Integer.toHexString(subnet) + "::2";
    }

    public Netns up() throws IOException {
        removeStale();
        Runtime.getRuntime().addShutdownHook(hook);
        must("ip", "netns", "add", nsA);
        must("ip", "netns", "add", nsB);
        for (String ns : new String[] {nsA, nsB}) {
            must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            must("ip", "-n", ns, "link", "set", "lo", "up");
        }
        link(vethA, vethB, ipA(), ipB(), ip6A(), ip6B());
        return this;
    }

    /** A veth pair between the namespaces, addressed and up, with the multicast route. */
    void link(String a, String b, String ip4a, String ip4b, String ip6a, String ip6b) throws IOException {
        must("ip", "-n", nsA, "link", "add", a, "type", "veth", "peer", "name", b, "netns", nsB);
        must("ip", "-n", nsA, "addr", "add", ip4a + "/24", "dev", a);
        must("ip", "-n", nsB, "addr", "add", ip4b + "/24", "dev", b);
        if (ip6a != null) {
            must("ip", "-n", nsA, "addr", "add", ip6a + "/64", "dev", a, "nodad");
            must("ip", "-n", nsB, "addr", "add", ip6b + "/64", "dev", b, "nodad");
        }
        for (String[] x : new String[][] {{nsA, a}, {nsB, b}}) {
            must("ip", "-n", x[0], "link", "set", x[1], "up");
            must("ip", "-n", x[0], "route", "add", "224.0.0.0/4", "dev", x[1]);
        }
    }

    /** Deletes the veth pair (both ends go) and makes a new one with new names: a Docker disconnect/reconnect. */
    void replaceLink(String ip4a, String ip4b) throws IOException {
        must("ip", "-n", nsA, "link", "del", vethA);
        vethA = "lcm" + tag + "c";
        vethB = "lcm" + tag + "d";
        link(vethA, vethB, ip4a, ip4b, null, null);
    }

    /** Starts {@code cmd} inside namespace {@code ns}; stdout lines are collected, stderr goes to a log file. */
    public Child start(String ns, String name, List<String> cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(cmd);
        Path log = Path.of("target", "netns-logs", tag + "-" + name + ".err");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(full).redirectError(log.toFile()).start();
        Child c = new Child(name, p, log);
        children.add(c);
        return c;
    }

    /** {@code java -cp <test class path> lanchat.discovery.mdns.NetnsNode args…}. */
    static List<String> javaNode(String... args) {
        return java(NetnsNode.class.getName(), List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug", "-Dorg.slf4j.simpleLogger.log.io.netty=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true"), args);
    }

    /** {@code java <options> -cp <the calling test's class path> mainClass args…}, small and with leak detection. */
    public static List<String> java(String mainClass, List<String> options, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:TieredStopAtLevel=1", "-Dio.netty.leakDetection.level=paranoid"));
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), mainClass));
        Collections.addAll(cmd, args);
        return cmd;
    }

    /** A child process: its stdout lines, timestamped on arrival. */
    public static final class Child {
        public final String name;
        final Process process;
        final Path log;
        public final List<String> lines = new CopyOnWriteArrayList<>();
        private final Writer stdin;

        Child(String name, Process process, Path log) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) lines.add(l);
                } catch (IOException ignored) {
                    // process ended
                }
            }, "netns-" + name);
            t.setDaemon(true);
            t.start();
        }

        /** The first stdout line matching {@code regex} (whole line), waiting up to {@code ms}; null if none came. */
        Matcher await(String regex, long ms) throws InterruptedException {
            Pattern p = Pattern.compile(regex);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            int from = 0;
            while (true) {
                for (int i = from; i < lines.size(); i++) {
                    Matcher m = p.matcher(lines.get(i));
                    if (m.matches()) return m;
                }
                from = 0;
                if (System.nanoTime() > end) return null;
                Thread.sleep(10);
            }
        }

        public Matcher must(String regex, long ms) throws InterruptedException {
            Matcher m = await(regex, ms);
            if (m == null) throw new AssertionError(name + ": no line matching /" + regex + "/ within " + ms + " ms; stdout:\n" + String.join("\n", lines) + "\nstderr tail:\n" + tail());
            return m;
        }

        boolean any(Predicate<String> p) {
            return lines.stream().anyMatch(p);
        }

        public void send(String line) throws IOException {
            stdin.write(line + "\n");
            stdin.flush();
        }

        public String tail() {
            try {
                List<String> all = Files.readAllLines(log);
                return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
            } catch (IOException e) {
                return "(no log)";
            }
        }

        public String stderr() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "";
            }
        }

        public void stop() {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        cleanup();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void cleanup() {
        for (Child c : children) c.stop();
        try {
            run("ip", "netns", "del", nsA); // deleting a namespace deletes the veth end in it, and so the pair
            run("ip", "netns", "del", nsB);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Namespaces of ours whose owning JVM is gone (a killed run). */
    private static void removeStale() throws IOException {
        for (String l : run("ip", "netns", "list").out.split("\n")) {
            String name = l.trim().split(" ")[0];
            if (!name.startsWith(PREFIX)) continue;
            String[] parts = name.substring(PREFIX.length()).split("-");
            try {
                long pid = Long.parseLong(parts[0]);
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                run("ip", "netns", "del", name);
            } catch (NumberFormatException notOurs) {
                // leave it
            }
        }
    }

    record Result(int code, String out) {}

    static Result run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timeout");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Result(-1, "interrupted");
        }
    }

    public static void must(String... cmd) throws IOException {
        Result r = run(cmd);
        if (r.code != 0) throw new IOException(String.join(" ", cmd) + " failed (" + r.code + "): " + r.out.trim());
    }
}
