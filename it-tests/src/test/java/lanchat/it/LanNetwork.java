package lanchat.it;

import com.github.dockerjava.api.command.CreateNetworkCmd;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.testcontainers.containers.Network;

/**
 * An isolated "LAN": an {@code internal} Docker bridge network (no route to the host or the
 * internet) on a subnet 10.88.X.0/24 of its own. Containers get fixed addresses via
 * {@link #ip(int)}. Multicast (mDNS) passes inside it thanks to the DOCKER-USER rule that
 * scripts/docker-up.sh installs. {@link #close()} removes the network; close the containers
 * on it first (try-with-resources in declaration order does that).
 *
 * <p>X is picked from a per-run random start; if Docker reports an overlapping pool (another
 * run, or a leftover) the next X is tried, at most {@value #ATTEMPTS} times.
 */
public final class LanNetwork implements AutoCloseable {
  private static final int ATTEMPTS = 12;
  private static final int FIRST_X = 16;
  private static final int X_COUNT = 224; // X in 16..239
  private static final AtomicInteger NEXT_X =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(X_COUNT));
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final Network network;
  private final String name;
  private final String prefix; // "10.88.X."

  private record Created(Network network, String name, String prefix) {}

  public LanNetwork(String purpose) {
    this(create(purpose));
  }

  private LanNetwork(Created c) {
    this.network = c.network();
    this.name = c.name();
    this.prefix = c.prefix();
  }

  private static Created create(String purpose) {
    ItEnv.beforeDockerUse();
    RuntimeException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int x = FIRST_X + Math.floorMod(NEXT_X.getAndIncrement(), X_COUNT);
      String pfx = "10.88." + x + ".";
      String netName = "lanchat-it-" + ItEnv.RUN_ID + "-" + SEQ.incrementAndGet() + "-" + purpose;
      Consumer<CreateNetworkCmd> modifier = cmd -> cmd
          .withName(netName)
          .withInternal(true)
          .withLabels(ItEnv.labels())
          .withIpam(new com.github.dockerjava.api.model.Network.Ipam()
              .withConfig(new com.github.dockerjava.api.model.Network.Ipam.Config()
                  .withSubnet(pfx + "0/24")
                  .withGateway(pfx + "1")));
      Network candidate = Network.builder().driver("bridge").createNetworkCmdModifier(modifier).build();
      try {
        String id = candidate.getId(); // creates it
        Boolean internal = ItEnv.docker().inspectNetworkCmd().withNetworkId(id).exec().getInternal();
        if (!Boolean.TRUE.equals(internal)) {
          candidate.close();
          throw new IllegalStateException("network " + netName + " was not created internal");
        }
        System.out.printf("[it] network %s %s0/24 (internal)%n", netName, pfx);
        return new Created(candidate, netName, pfx);
      } catch (RuntimeException e) {
        candidate.close();
        String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (!msg.contains("overlap")) throw e;
        last = e;
      }
    }
    throw new IllegalStateException("no free 10.88.X.0/24 subnet after " + ATTEMPTS + " attempts", last);
  }

  /** The Testcontainers handle, for {@code GenericContainer.withNetwork}. */
  public Network network() {
    return network;
  }

  public String name() {
    return name;
  }

  public String id() {
    return network.getId();
  }

  /** Fixed address of host number {@code host} (2..254; .1 is the gateway). */
  public String ip(int host) {
    if (host < 2 || host > 254) throw new IllegalArgumentException("host " + host);
    return prefix + host;
  }

  @Override
  public void close() {
    network.close();
  }
}
