package lanchat.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.testcontainers.DockerClientFactory;

/**
 * Guard for machines where Docker is mandatory (CI, scripts/test-all.sh): with
 * {@code -Dit.requireDocker=true} it FAILS when Docker, the node image or the built app are
 * missing, instead of letting every other IT skip and the build go green. Without the flag
 * it is skipped.
 */
@EnabledIfSystemProperty(named = "it.requireDocker", matches = "true")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerRequiredIT {

  @Test
  @Order(1)
  void dockerEngineIsAvailable() {
    assertTrue(DockerClientFactory.instance().isDockerAvailable(),
        "it.requireDocker=true but Testcontainers finds no usable Docker engine. "
            + "Run `bash scripts/docker-up.sh`; check that Failsafe sets TESTCONTAINERS_RYUK_DISABLED "
            + "and TESTCONTAINERS_HOST_OVERRIDE (it-tests/pom.xml).");
  }

  @Test
  @Order(2)
  void nodeImageExists() {
    InspectImageResponse img;
    try {
      img = ItEnv.docker().inspectImageCmd(ItEnv.IMAGE).exec();
    } catch (NotFoundException e) {
      throw new AssertionError("it.requireDocker=true but image " + ItEnv.IMAGE
          + " does not exist. Run `bash scripts/build-node-image.sh` (nothing is ever pulled).", e);
    }
    String inputs = img.getConfig() == null || img.getConfig().getLabels() == null
        ? null : img.getConfig().getLabels().get("lanchat.inputs");
    assertTrue(inputs != null && !inputs.isBlank(),
        ItEnv.IMAGE + " exists but was not built by scripts/build-node-image.sh (no lanchat.inputs label)");
  }

  @Test
  @Order(3)
  void appIsBuiltIntoMods() {
    assertEquals(1, ItEnv.appJars().size(),
        "it.requireDocker=true but " + ItEnv.MODS + " does not hold exactly one lanchat-app*.jar: "
            + ItEnv.appJars() + ". Run `mvn -q -DskipTests package` at the repo root.");
  }
}
