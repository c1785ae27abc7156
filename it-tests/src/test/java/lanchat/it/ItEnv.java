package lanchat.it;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;

/**
 * Settings of the integration-test run (system properties set by Failsafe, see it-tests/pom.xml)
 * and the bookkeeping that lets the suite clean up exactly what it created.
 *
 * <ul>
 *   <li>{@code it.requireDocker} (default false): when true, a missing Docker engine, node image
 *       or mods/ directory FAILS the tests instead of skipping them.</li>
 *   <li>{@code it.image} (default lanchat/node:dev): built by scripts/build-node-image.sh.</li>
 *   <li>{@code it.mods} (default &lt;repo&gt;/mods): the runtime module jars copied into every
 *       container at {@value #CONTAINER_MODS}.</li>
 * </ul>
 */
public final class ItEnv {
  public static final String CONTAINER_MODS = "/opt/lanchat/mods";

  public static final boolean REQUIRE_DOCKER = Boolean.getBoolean("it.requireDocker");
  public static final String IMAGE = System.getProperty("it.image", "lanchat/node:dev");
  public static final Path MODS = Path.of(System.getProperty("it.mods", "../mods")).toAbsolutePath().normalize();

  /** Labels on everything this suite creates (besides Testcontainers' own session labels). */
  static final String LABEL = "lanchat.it";
  static final String LABEL_RUN = "lanchat.it.run";
  static final String LABEL_PID = "lanchat.it.pid";
  static final String LABEL_PIDNS = "lanchat.it.pidns";
  static final String LABEL_HOST = "lanchat.it.host";
  public static final String RUN_ID = UUID.randomUUID().toString().substring(0, 8);

  /** Resources older than this are certainly from a dead run (Failsafe's fork timeout is 30 min). */
  private static final Duration STALE_AFTER = Duration.ofMinutes(40);

  private static final AtomicBoolean DOCKER_TOUCHED = new AtomicBoolean();
  private static volatile Path modsSnapshot;

  private ItEnv() {}

  public static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  /** True once a fixture created something in Docker in this JVM (see {@link ItSuiteCleanup}). */
  static boolean dockerTouched() {
    return DOCKER_TOUCHED.get();
  }

  public static Map<String, String> labels() {
    Map<String, String> l = new LinkedHashMap<>();
    l.put(LABEL, "true");
    l.put(LABEL_RUN, RUN_ID);
    l.put(LABEL_PID, Long.toString(ProcessHandle.current().pid()));
    l.put(LABEL_PIDNS, pidNamespace());
    l.put(LABEL_HOST, hostName());
    return l;
  }

  /**
   * Call before creating anything in Docker: marks Docker as used by this JVM and, once per JVM,
   * removes leftovers of EARLIER runs of this suite that died without cleaning up (their JVM is
   * gone from this host, or they are older than any run can last). Never touches anything that
   * lacks the {@value #LABEL} label, nor a live run's resources.
   */
  static void beforeDockerUse() {
    if (DOCKER_TOUCHED.compareAndSet(false, true)) {
      try {
        removeStaleLeftovers();
      } catch (RuntimeException e) {
        System.err.println("[it] WARNING: stale-leftover cleanup failed: " + e);
      }
    }
  }

  /** Skips (it.requireDocker=false) or fails (true) unless Docker, the image and mods/ are there. */
  public static void requireImageAndMods() {
    check(DockerClientFactory.instance().isDockerAvailable(),
        "Docker engine not available. Run: bash scripts/docker-up.sh");
    check(imageExists(),
        "node image " + IMAGE + " missing. Run: bash scripts/build-node-image.sh");
    check(appJars().size() == 1,
        "expected exactly one lanchat-app*.jar in " + MODS + ", found " + appJars()
            + ". Run: mvn -q -DskipTests package");
  }

  private static void check(boolean ok, String message) {
    if (REQUIRE_DOCKER) {
      if (!ok) fail("[it.requireDocker=true] " + message);
    } else {
      assumeTrue(ok, message + " (skipping; -Dit.requireDocker=true turns this into a failure)");
    }
  }

  public static boolean imageExists() {
    try {
      docker().inspectImageCmd(IMAGE).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  public static List<Path> appJars() {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(MODS)) return out;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(MODS, "lanchat-app*.jar")) {
      ds.forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * A private copy of mods/*.jar and mods/lazy/*.jar, taken once per JVM. Other engineers rebuild
   * mods/ at any time (lanchat-app's build empties it first), so containers copy from this
   * snapshot, never from the live directory.
   */
  public static synchronized Path modsSnapshot() {
    if (modsSnapshot == null) {
      try {
        Path dir = Files.createTempDirectory("lanchat-it-mods-");
        copyModules(MODS, dir);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        modsSnapshot = dir;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot snapshot " + MODS, e);
      }
    }
    return modsSnapshot;
  }

  /**
   * Copies the module jars of {@code mods} and of its {@code lazy/} subdirectory (what
   * lanchat.api.crypto.LazyCrypto loads on first use, e.g. for secp256k1 keys) into {@code to}.
   */
  public static void copyModules(Path mods, Path to) throws IOException {
    for (Path dir : List.of(Path.of(""), Path.of("lazy"))) {
      if (!Files.isDirectory(mods.resolve(dir))) continue;
      Files.createDirectories(to.resolve(dir));
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(mods.resolve(dir), "*.jar")) {
        for (Path jar : ds) {
          Files.copy(jar, to.resolve(dir).resolve(jar.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // temp dir; best effort
    }
  }

  // ---- leftovers of dead runs -------------------------------------------------------------

  private static void removeStaleLeftovers() {
    DockerClient dc = docker();
    int containers = 0;
    int networks = 0;
    for (Container c : dc.listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(LABEL, "true")).exec()) {
      if (isStale(c.getLabels(), Instant.ofEpochSecond(c.getCreated()))) {
        try {
          dc.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
          containers++;
        } catch (NotFoundException ignored) {
          // raced with its owner
        }
      }
    }
    for (Network n : dc.listNetworksCmd().withFilter("label", List.of(LABEL + "=true")).exec()) {
      Network full = dc.inspectNetworkCmd().withNetworkId(n.getId()).exec();
      Instant created = full.getCreated() == null ? Instant.now() : full.getCreated().toInstant();
      if (isStale(full.getLabels(), created)) {
        try {
          dc.removeNetworkCmd(n.getId()).exec();
          networks++;
        } catch (RuntimeException e) {
          System.err.println("[it] could not remove stale network " + n.getName() + ": " + e.getMessage());
        }
      }
    }
    if (containers + networks > 0) {
      System.out.printf("[it] removed leftovers of dead earlier runs: %d containers, %d networks%n",
          containers, networks);
    }
  }

  private static boolean isStale(Map<String, String> labels, Instant created) {
    if (labels == null || RUN_ID.equals(labels.get(LABEL_RUN))) return false;
    if (created.isBefore(Instant.now().minus(STALE_AFTER))) return true;
    // Young: stale only if its owner JVM provably no longer exists (same host, same pid ns).
    if (!hostName().equals(labels.get(LABEL_HOST)) || !pidNamespace().equals(labels.get(LABEL_PIDNS))) {
      return false;
    }
    try {
      return ProcessHandle.of(Long.parseLong(labels.get(LABEL_PID))).isEmpty();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String pidNamespace() {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "unknown";
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
