package lanchat.it.lan;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lanchat.it.ChatNodeContainer;
import lanchat.it.LanNetwork;
import org.testcontainers.utility.MountableFile;

/**
 * A reference libp2p chat peer of {@code interop/} (see interop/README.md: stdout
 * {@code LISTEN/PEERID/CONNECTED/RECV/CLOSED}, stdin lines are sent) running in a container of
 * the node image on a {@link LanNetwork}, in an mDNS room ({@code -rendezvous ROOM}), listening
 * on {@code /ip4/0.0.0.0/tcp/4001}. Reuses {@link ChatNodeContainer}'s stdin FIFO, output capture
 * and {@code send}; only the command and the copied files differ.
 *
 * <ul>
 *   <li>{@link Kind#GO}: {@code interop/go-peer/go-peer} (needs only libc, which the image has);</li>
 *   <li>{@link Kind#JS}: the host's {@code node} (plus the shared libraries it needs that the
 *       node image lacks, from its ldd closure) and {@code interop/js-peer} with its node_modules.</li>
 * </ul>
 */
class RefPeerContainer extends ChatNodeContainer {
  static final boolean REQUIRE_INTEROP = Boolean.getBoolean("it.requireInterop");
  static final Path INTEROP = Path.of(System.getProperty("it.interop", "../interop")).toAbsolutePath().normalize();
  static final String DIR = "/opt/ref";

  enum Kind {
    GO, JS;

    @Override
    public String toString() {
      return name().toLowerCase();
    }
  }

  private final Kind kind;
  private volatile String peerId;
  private volatile long peerIdAt;

  RefPeerContainer(Kind kind, String name, LanNetwork lan, int host, String room) {
    super(name, lan, host); // the app command is replaced below
    this.kind = kind;
    List<String> cmd = new ArrayList<>(List.of("sh", "-c",
        "mkfifo -m 600 " + STDIN_FIFO + " && exec \"$@\" 0<>" + STDIN_FIFO, "sh"));
    if (kind == Kind.GO) {
      withCopyFileToContainer(MountableFile.forHostPath(INTEROP.resolve("go-peer/go-peer"), 0755), DIR + "/go-peer");
      cmd.add(DIR + "/go-peer");
    } else {
      Path node = nodeBinary();
      withCopyFileToContainer(MountableFile.forHostPath(node, 0755), DIR + "/node");
      for (Path lib : extraLibs(node)) {
        withCopyFileToContainer(MountableFile.forHostPath(real(lib), 0755), lib.toString());
      }
      withCopyFileToContainer(MountableFile.forHostPath(INTEROP.resolve("js-peer")), DIR + "/js-peer");
      cmd.addAll(List.of(DIR + "/node", DIR + "/js-peer/peer.js"));
    }
    cmd.addAll(List.of("-listen", "/ip4/0.0.0.0/tcp/" + RoomNode.PORT, "-rendezvous", room, "-key", "ed25519"));
    withCommand(cmd.toArray(String[]::new));
    withLogConsumer(f -> {
      if (peerIdAt == 0 && f.getType() == org.testcontainers.containers.output.OutputFrame.OutputType.STDOUT
          && new String(f.getBytes(), StandardCharsets.UTF_8).startsWith("PEERID ")) {
        peerIdAt = System.nanoTime();
      }
    });
  }

  /** When (System.nanoTime) the PEERID line arrived: the peer is ready and its mDNS starts. */
  long arrivalOfPeerId() {
    peerId();
    for (int i = 0; i < 200 && peerIdAt == 0; i++) Rooms.sleep(Duration.ofMillis(10));
    return peerIdAt;
  }

  Kind kind() {
    return kind;
  }

  /** Fails ({@code -Dit.requireInterop=true}) or skips unless the peer can run. */
  static void requireBuilt(Kind kind) {
    String why = missing(kind);
    String message = kind + "-peer cannot run in a container: " + why + ". Run: bash interop/build.sh";
    if (REQUIRE_INTEROP) {
      if (why != null) fail("[it.requireInterop=true] " + message);
    } else {
      assumeTrue(why == null, message + " (skipping; -Dit.requireInterop=true turns this into a failure)");
    }
  }

  private static String missing(Kind kind) {
    if (kind == Kind.GO) {
      Path bin = INTEROP.resolve("go-peer/go-peer");
      return Files.isExecutable(bin) ? null : bin + " is missing";
    }
    if (!Files.isRegularFile(INTEROP.resolve("js-peer/peer.js"))) return INTEROP.resolve("js-peer/peer.js") + " is missing";
    if (!Files.isDirectory(INTEROP.resolve("js-peer/node_modules"))) return INTEROP.resolve("js-peer/node_modules") + " is missing";
    try {
      nodeBinary();
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    return null;
  }

  /** The host's node executable ({@code -Dit.node}, else {@code node} on the PATH), resolved. */
  static Path nodeBinary() {
    String exe = System.getProperty("it.node", "node");
    if (exe.contains("/")) {
      Path p = Path.of(exe);
      if (Files.isExecutable(p)) return real(p);
    } else {
      String path = System.getenv("PATH");
      if (path != null) {
        for (String dir : path.split(java.io.File.pathSeparator)) {
          Path p = Path.of(dir.isEmpty() ? "." : dir, exe);
          if (Files.isExecutable(p)) return real(p);
        }
      }
    }
    throw new IllegalStateException("node is not on the PATH (or -Dit.node)");
  }

  private static Path real(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath();
    }
  }

  /**
   * The shared libraries of node's ldd closure except libc and the loader (the image has those,
   * from the same host): libdl, libpthread, libstdc++, libm, libgcc_s. Copied to the paths ldd
   * names, which is where the loader looks in the image too.
   */
  static List<Path> extraLibs(Path node) {
    Set<Path> libs = new LinkedHashSet<>();
    try {
      Process p = new ProcessBuilder("ldd", node.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("ldd " + node + " failed: " + out);
      }
      Matcher m = Pattern.compile("=> (/\\S+)").matcher(out);
      while (m.find()) {
        Path lib = Path.of(m.group(1));
        String n = lib.getFileName().toString();
        if (n.startsWith("libc.so") || n.startsWith("ld-linux")) continue;
        libs.add(lib);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run ldd on " + node, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return new ArrayList<>(libs);
  }

  /** The peer id from the {@code PEERID} line (waits for it: the peer is ready then). */
  @Override
  public String peerId() {
    String id = peerId;
    if (id == null) {
      id = awaitLine(Pattern.compile("^PEERID (\\S+)$"), Duration.ofSeconds(60)).group(1);
      peerId = id;
    }
    return id;
  }

  @Override
  public String listenAddress() {
    return awaitLine(Pattern.compile("^LISTEN (/ip4/" + Pattern.quote(ip()) + "/tcp/\\d+/p2p/\\S+)$"),
        Duration.ofSeconds(60)).group(1);
  }

  static Pattern connected(String peerId) {
    return Pattern.compile("^CONNECTED " + Pattern.quote(peerId) + "$");
  }

  static Pattern recv(String peerId, String text) {
    return Pattern.compile("^RECV " + Pattern.quote(peerId) + " " + Pattern.quote(text) + "$");
  }

  static Pattern closed(String peerId) {
    return Pattern.compile("^CLOSED " + Pattern.quote(peerId) + "$");
  }

  int count(Pattern p, int from) {
    List<String> lines = stdoutLines();
    int n = 0;
    for (int i = from; i < lines.size(); i++) {
      if (p.matcher(lines.get(i)).find()) n++;
    }
    return n;
  }
}
