package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What a user does, end to end on Berth's network: a container published with {@code -p} in the
 * machine answers on the host's localhost; stopping it, the machine, or removing the machine frees
 * the port; two machines run at once, each publishing the same container port on its own host port.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PublishedPortsIT {
  private static final String A = "pa";
  private static final String B = "pb";
  private static final String PAGE = "Hello from busybox httpd on berth-os.";
  private static Path home;
  private static Map<String, String> env;
  private static int portA;
  private static int portB;

  @BeforeAll
  static void setUp() throws Exception {
    home = Files.createTempDirectory("berth-ports-");
    env =
        Map.of(
            "BERTH_HOME",
            home.resolve("berth").toString(),
            "XDG_CONFIG_HOME",
            home.resolve("xdg").toString(),
            "HOME",
            home.toString());
    portA = LoopbackPorts.free();
    portB = LoopbackPorts.free();
  }

  @AfterAll
  static void tearDown() throws Exception {
    berth("rm", "-f", A);
    berth("rm", "-f", B);
    Exec.run(Map.of(), List.of("rm", "-rf", home.toString()));
  }

  static Exec berth(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(GuestImage.root().resolve("bin/berth").toString()));
    argv.addAll(List.of(args));
    return Exec.run(env, Duration.ofMinutes(15), argv);
  }

  private static Path apiSocket(String name) {
    return home.resolve("berth/run/" + name + "/podman.sock");
  }

  private static Exec podman(String name, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("podman", "--url", "unix://" + apiSocket(name)));
    argv.addAll(List.of(args));
    Exec e = Exec.run(Map.of(), argv);
    assertThat(e.code()).as("podman " + String.join(" ", args) + ": " + e.out()).isZero();
    return e;
  }

  /**
   * The page at the host's {@code port}, waiting a little for the forward that podman just asked
   * for.
   */
  private static String fetch(int port) throws Exception {
    return PublishedPage.fetch(port, Duration.ofSeconds(60));
  }

  private static void initAndRunWeb(String name, int hostPort) throws Exception {
    Exec init =
        berth(
            "init", "--now", "--image", GuestImage.stream().toString(), "--disk-size", "10", name);
    assertThat(init.code()).as(init.out()).isZero();
    assertThat(init.out())
        .contains("API forwarding listening on: " + apiSocket(name))
        .contains("export DOCKER_HOST='unix://" + apiSocket(name) + "'")
        .contains("podman --connection " + name + " ps")
        .contains("Machine \"" + name + "\" started successfully");
    podman(name, "load", "-i", GuestImage.busyboxHttpd().toString());
    podman(name, "run", "-d", "--name", "web", "-p", hostPort + ":80", "localhost/busybox-httpd");
  }

  @Test
  @Order(1)
  void aPortPublishedInTheMachineAnswersOnTheHost() throws Exception {
    initAndRunWeb(A, portA);
    assertThat(fetch(portA)).contains(PAGE);
    Exec ports = berth("ports", A);
    assertThat(ports.code()).as(ports.out()).isZero();
    assertThat(ports.out())
        .containsPattern(
            "127\\.0\\.0\\.1:" + portA + "\\s+192\\.168\\.127\\.2:" + portA + "\\s+tcp")
        .containsPattern("127\\.0\\.0\\.1:\\d+\\s+192\\.168\\.127\\.2:22\\s+tcp");
    Exec ping =
        Exec.run(
            Map.of(),
            List.of("curl", "-sf", "--unix-socket", apiSocket(A).toString(), "http://d/_ping"));
    assertThat(ping.out()).isEqualTo("OK");
    Exec docker =
        Exec.run(
            Map.of("DOCKER_HOST", "unix://" + apiSocket(A)),
            List.of("docker", "ps", "--format", "{{.Names}}"));
    assertThat(docker.code()).as(docker.out()).isZero();
    assertThat(docker.out()).contains("web");
    Exec hosts = berth("ssh", A, "getent", "hosts", "host.containers.internal");
    assertThat(hosts.out()).contains("192.168.127.254");
  }

  @Test
  @Order(2)
  void stoppingTheContainerFreesThePort_startingItPublishesAgain() throws Exception {
    podman(A, "stop", "-t", "1", "web");
    assertThat(LoopbackPorts.tcpFree(portA))
        .as("port %d after the container stopped", portA)
        .isTrue();
    assertThat(berth("ports", A).out()).doesNotContain(":" + portA + " ");
    podman(A, "start", "web");
    assertThat(fetch(portA)).contains(PAGE);
  }

  @Test
  @Order(3)
  void stoppingTheMachineFreesThePort_andAfterAStartTheImageIsStillThere() throws Exception {
    Exec stop = berth("stop", A);
    assertThat(stop.code()).as(stop.out()).isZero();
    assertThat(LoopbackPorts.tcpFree(portA))
        .as("port %d after the machine stopped", portA)
        .isTrue();
    Exec start = berth("start", A);
    assertThat(start.code()).as(start.out()).isZero();
    assertThat(podman(A, "images", "--format", "{{.Repository}}").out()).contains("busybox-httpd");
    podman(A, "start", "web");
    assertThat(fetch(portA)).contains(PAGE);
  }

  @Test
  @Order(4)
  void twoMachinesRunAtOnce_eachPublishingTheSameContainerPort() throws Exception {
    initAndRunWeb(B, portB);
    assertThat(fetch(portB)).contains(PAGE);
    assertThat(fetch(portA)).as("the first machine still answers").contains(PAGE);
    assertThat(berth("ports", B).out())
        .contains("127.0.0.1:" + portB)
        .doesNotContain(":" + portA + " ");
    assertThat(berth("list").out())
        .containsPattern(A + "\\*?\\s+qemu\\s+.*Currently running")
        .containsPattern(B + "\\*?\\s+qemu\\s+.*Currently running");
  }

  @Test
  @Order(5)
  void rmForceFreesEveryPort() throws Exception {
    assertThat(berth("rm", "-f", A).code()).isZero();
    assertThat(berth("rm", "-f", B).code()).isZero();
    assertThat(LoopbackPorts.tcpFree(portA)).isTrue();
    assertThat(LoopbackPorts.tcpFree(portB)).isTrue();
    assertThat(
            ProcessHandle.allProcesses()
                .filter(
                    p ->
                        p.info()
                            .commandLine()
                            .map(c -> c.contains("process=berth-p"))
                            .orElse(false))
                .count())
        .as("QEMU processes left")
        .isZero();
  }
}
