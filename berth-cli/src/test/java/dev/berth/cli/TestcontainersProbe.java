package dev.berth.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * What a user's test does, run by {@link DockerClientsIT} in a JVM of its own with no {@code
 * DOCKER_HOST} and no Testcontainers setting: Testcontainers looks for a daemon itself. Starts the
 * image {@code args[0]}, which serves a page on port 80, and prints the daemon it found and the
 * page.
 */
public final class TestcontainersProbe {
  private TestcontainersProbe() {}

  public static void main(String[] args) throws Exception {
    try (GenericContainer<?> web =
        new GenericContainer<>(DockerImageName.parse(args[0]))
            .withExposedPorts(80)
            .waitingFor(Wait.forHttp("/").withStartupTimeout(Duration.ofMinutes(5)))) {
      web.start();
      System.out.println(
          "DOCKER_HOST_FOUND="
              + DockerClientFactory.instance().getTransportConfig().getDockerHost());
      HttpResponse<String> page =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + web.getMappedPort(80) + "/"))
                      .timeout(Duration.ofSeconds(30))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      System.out.println("PAGE=" + page.body().strip().replace('\n', ' '));
    }
  }
}
