package lanchat.it;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * One chat node: the real app ({@code java -p mods -m lanchat.app ...}) in a container of the
 * local node image on a {@link LanNetwork}, with a fixed IP. Never pulls; the project's jars
 * are copied in at {@value ItEnv#CONTAINER_MODS} from {@link ItEnv#modsSnapshot()}.
 *
 * <h2>How stdin is fed</h2>
 * The app is started by {@code sh -c 'mkfifo /tmp/lanchat.stdin && exec java ... 0<>/tmp/lanchat.stdin'}:
 * java (PID 1 after the exec, so {@code docker stop} signals it directly) gets a named pipe as
 * stdin, opened READ-WRITE. Because the JVM itself then holds a write end, the pipe never
 * reports EOF, however many writers come and go, and opening it never blocks.
 * {@link #send(String)} runs {@code docker exec sh -c 'printf "%s\n" "$1" > /tmp/lanchat.stdin'}
 * with the line as a separate argv element (no quoting problems, UTF-8 intact); a write of one
 * short line to a pipe is atomic. Lines written before the app reads stdin wait in the pipe.
 * This was chosen over attaching to the container's stdin through docker-java's hijacked
 * attach stream: exec is a plain request/response that either succeeds or throws, while the
 * attach stream can silently buffer, and it would need its own lifecycle per container.
 *
 * <h2>Output</h2>
 * Every stdout/stderr line is printed with a {@code [name]} prefix (so it ends up in the
 * Failsafe report) and kept; {@link #awaitLine} waits for a stdout line, failing early when the
 * container's output ends. Failure messages carry the tail of both streams.
 */
public class ChatNodeContainer extends GenericContainer<ChatNodeContainer> {
  public static final String STDIN_FIFO = "/tmp/lanchat.stdin";
  public static final List<String> JVM_FLAGS = List.of(
      "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xss256k");
  /** `Listening on /ip4/<ip>/tcp/<port>/p2p/<peerId>` (group 1 = multiaddr, 2 = ip, 4 = id). */
  public static final Pattern LISTENING =
      Pattern.compile("Listening on (/ip4/([0-9.]+)/tcp/([0-9]+)/p2p/([1-9A-HJ-NP-Za-km-z]+))");
  private static final int TAIL = 80;

  private final String nodeName;
  private final String ip;
  private final Object lock = new Object();
  private final List<String> stdout = new ArrayList<>();
  private final List<String> all = new ArrayList<>(); // both streams, tagged, in arrival order
  private boolean outputEnded;
  private Duration lastStopDuration;

  /**
   * @param name    container host name / network alias, also the log prefix
   * @param lan     the network to live on (its only network)
   * @param host    host number on the LAN (address {@code lan.ip(host)})
   * @param appArgs arguments after {@code -m lanchat.app}
   */
  public ChatNodeContainer(String name, LanNetwork lan, int host, String... appArgs) {
    super(DockerImageName.parse(ItEnv.IMAGE));
    ItEnv.beforeDockerUse();
    this.nodeName = name;
    this.ip = lan.ip(host);
    List<String> cmd = new ArrayList<>(List.of(
        "sh", "-c", "mkfifo -m 600 " + STDIN_FIFO + " && exec java \"$@\" 0<>" + STDIN_FIFO, "sh"));
    cmd.addAll(JVM_FLAGS);
    cmd.addAll(List.of("-p", ItEnv.CONTAINER_MODS, "-m", "lanchat.app"));
    cmd.addAll(List.of(appArgs));
    withImagePullPolicy(img -> false);
    withNetwork(lan.network());
    withNetworkAliases(name);
    withCreateContainerCmdModifier(c -> c.withIpv4Address(ip).withHostName(name).withName(
        "lanchat-it-" + ItEnv.RUN_ID + "-" + name + "-" + Long.toHexString(System.nanoTime() & 0xffffff)));
    withLabels(ItEnv.labels());
    withCopyFileToContainer(MountableFile.forHostPath(ItEnv.modsSnapshot()), ItEnv.CONTAINER_MODS);
    withCommand(cmd.toArray(String[]::new));
    // Default checks only: "is running" and, with no exposed ports, no port wait. Readiness is
    // the app's own "Listening on" line (listenAddress()), which gives a better failure message.
    withLogConsumer(this::onFrame);
  }

  public String nodeName() {
    return nodeName;
  }

  /** This container's fixed address on its LAN. */
  public String ip() {
    return ip;
  }

  @Override
  public void start() {
    try {
      super.start();
    } catch (RuntimeException e) {
      throw new AssertionError(nodeName + ": container failed to start\n" + diagnostics(), e);
    }
  }

  private void onFrame(OutputFrame frame) {
    synchronized (lock) {
      if (frame.getType() == OutputFrame.OutputType.END) {
        outputEnded = true;
      } else {
        String line = stripEol(new String(frame.getBytes(), StandardCharsets.UTF_8));
        boolean isOut = frame.getType() == OutputFrame.OutputType.STDOUT;
        if (isOut) stdout.add(line);
        all.add((isOut ? "out| " : "err| ") + line);
        System.out.println("[" + nodeName + "] " + (isOut ? "" : "(stderr) ") + line);
      }
      lock.notifyAll();
    }
  }

  private static String stripEol(String s) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) end--;
    return s.substring(0, end);
  }

  /** Number of stdout lines seen so far; pass to {@link #awaitLine(Pattern, Duration, int)}. */
  public int mark() {
    synchronized (lock) {
      return stdout.size();
    }
  }

  public List<String> stdoutLines() {
    synchronized (lock) {
      return List.copyOf(stdout);
    }
  }

  /** Waits for a stdout line (from the very first one) in which {@code p} is found. */
  public Matcher awaitLine(Pattern p, Duration timeout) {
    return awaitLine(p, timeout, 0);
  }

  /** Waits for a stdout line with index &ge; {@code from} in which {@code p} is found. */
  public Matcher awaitLine(Pattern p, Duration timeout, int from) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      int i = from;
      while (true) {
        for (; i < stdout.size(); i++) {
          Matcher m = p.matcher(stdout.get(i));
          if (m.find()) return m;
        }
        long left = deadline - System.nanoTime();
        if (outputEnded || left <= 0) {
          throw new AssertionError(nodeName + ": no stdout line matching /" + p + "/ within "
              + timeout.toMillis() + " ms" + (outputEnded ? " (output ended: container exited)" : "")
              + "\n" + diagnostics());
        }
        try {
          lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(nodeName + ": interrupted", e);
        }
      }
    }
  }

  /** Convenience: a stdout line containing {@code text} literally. */
  public String awaitText(String text, Duration timeout) {
    return awaitLine(Pattern.compile(Pattern.quote(text)), timeout).group();
  }

  /**
   * The first {@code Listening on} multiaddr that is neither 127.0.0.1 nor 0.0.0.0 (i.e. the
   * address peers on the LAN can dial), waiting up to 60 s for the app to print it.
   */
  public String listenAddress() {
    return awaitLine(Pattern.compile(
        "Listening on (/ip4/(?!127\\.0\\.0\\.1/|0\\.0\\.0\\.0/)[0-9.]+/tcp/[0-9]+/p2p/[1-9A-HJ-NP-Za-km-z]+)"),
        Duration.ofSeconds(60)).group(1);
  }

  /** The peer id from {@link #listenAddress()}. */
  public String peerId() {
    String addr = listenAddress();
    return addr.substring(addr.lastIndexOf("/p2p/") + 5);
  }

  /** Types one line into the app's stdin (see the class comment). */
  public void send(String line) {
    sendAll(List.of(line));
  }

  /** Types several lines with one {@code printf} into the app's stdin, as a paste does. */
  public void sendAll(List<String> lines) {
    for (String line : lines) {
      if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("one line at a time: " + line);
      }
    }
    List<String> cmd = new java.util.ArrayList<>(List.of("sh", "-c", "printf '%s\\n' \"$@\" > " + STDIN_FIFO, "sh"));
    cmd.addAll(lines);
    try {
      ExecResult r = execInContainer(StandardCharsets.UTF_8, cmd.toArray(String[]::new));
      if (r.getExitCode() != 0) {
        throw new AssertionError(nodeName + ": writing to stdin failed (exit " + r.getExitCode()
            + "): " + r.getStderr() + "\n" + diagnostics());
      }
    } catch (IOException e) {
      throw new AssertionError(nodeName + ": docker exec failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(nodeName + ": interrupted", e);
    }
  }

  /**
   * {@code docker stop} (SIGTERM to the JVM, SIGKILL after 10 s), then the exit code (143 =
   * died of SIGTERM, 137 = had to be killed). The container is kept until {@link #stop()} /
   * {@link #close()}, so its output is complete. {@link #lastStopDuration()} tells how long
   * the app took to exit.
   */
  public int stopGracefully() {
    String id = getContainerId();
    if (id == null) throw new IllegalStateException(nodeName + " not started");
    long t0 = System.nanoTime();
    try {
      getDockerClient().stopContainerCmd(id).withTimeout(10).exec();
    } catch (NotFoundException e) {
      throw new AssertionError(nodeName + ": container vanished\n" + diagnostics(), e);
    }
    lastStopDuration = Duration.ofNanos(System.nanoTime() - t0);
    InspectContainerResponse.ContainerState st = getDockerClient().inspectContainerCmd(id).exec().getState();
    awaitOutputEnd(Duration.ofSeconds(5));
    Long code = st.getExitCodeLong();
    System.out.printf("[it] %s stopped: exit %s after %d ms%n", nodeName, code, lastStopDuration.toMillis());
    return code == null ? -1 : code.intValue();
  }

  public Optional<Duration> lastStopDuration() {
    return Optional.ofNullable(lastStopDuration);
  }

  private void awaitOutputEnd(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!outputEnded && System.nanoTime() < deadline) {
        try {
          lock.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Tail of both output streams, for failure messages. */
  public String diagnostics() {
    synchronized (lock) {
      StringBuilder sb = new StringBuilder("---- last output of ").append(nodeName)
          .append(" (").append(ip).append(") ----\n");
      for (String l : all.subList(Math.max(0, all.size() - TAIL), all.size())) {
        sb.append(l).append('\n');
      }
      return sb.append("---- end of ").append(nodeName).append(" ----").toString();
    }
  }
}
