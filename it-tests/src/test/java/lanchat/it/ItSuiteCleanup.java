package lanchat.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import java.util.List;
import java.util.Map;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.testcontainers.DockerClientFactory;

/**
 * Suite-level cleanup, run once when the JUnit launcher session of the Failsafe fork closes
 * (after every IT, passed or failed). Without Ryuk nothing else removes what a test forgot.
 *
 * <p>Removes ONLY containers and networks of this run: label {@code org.testcontainers=true}
 * AND {@code org.testcontainers.sessionId=<this JVM's Testcontainers session>}. Other runs
 * (other engineers, other modules) have other session ids and are never touched. Does nothing
 * at all unless a fixture used Docker in this JVM, so it never makes Testcontainers probe for
 * Docker on its own (e.g. in Surefire, which has no Ryuk/host env settings).
 *
 * <p>Registered in META-INF/services/org.junit.platform.launcher.LauncherSessionListener.
 */
public final class ItSuiteCleanup implements LauncherSessionListener {
  @Override
  public void launcherSessionClosed(LauncherSession session) {
    if (!ItEnv.dockerTouched()) return;
    try {
      DockerClient dc = ItEnv.docker();
      Map<String, String> mine = Map.of(
          DockerClientFactory.TESTCONTAINERS_LABEL, "true",
          DockerClientFactory.TESTCONTAINERS_SESSION_ID_LABEL, DockerClientFactory.SESSION_ID);
      int containers = 0;
      for (Container c : dc.listContainersCmd().withShowAll(true).withLabelFilter(mine).exec()) {
        try {
          dc.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
          containers++;
        } catch (NotFoundException ignored) {
          // already gone
        }
      }
      int networks = 0;
      List<String> filter = mine.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
      for (Network n : dc.listNetworksCmd().withFilter("label", filter).exec()) {
        try {
          dc.removeNetworkCmd(n.getId()).exec();
          networks++;
        } catch (NotFoundException ignored) {
          // already gone
        }
      }
      System.out.printf("[it] suite cleanup (session %s): removed %d leftover containers, %d networks%n",
          DockerClientFactory.SESSION_ID, containers, networks);
    } catch (RuntimeException e) {
      System.err.println("[it] WARNING: suite cleanup failed: " + e);
    }
  }
}
