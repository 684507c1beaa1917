package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Clients find a machine with no environment variable: {@code init} registers the docker context
 * {@code berth-NAME} and {@code start --default} makes it current, so the docker CLI reaches the
 * machine with {@code --context} and then with nothing at all; Testcontainers, in a JVM with no
 * {@code DOCKER_HOST} and no setting of its own, finds it and runs a container in it; {@code rm}
 * undoes every registration. Everything lives under a temporary {@code HOME}.
 *
 * <p>Ryuk, Testcontainers' reaper, is turned off ({@code TESTCONTAINERS_RYUK_DISABLED=true}) only
 * because its image cannot be pulled here (the machine has no internet); the probe removes its
 * container itself. In a build that runs in a container, the mapped ports' host is set to {@code
 * localhost} too (see the test).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerClientsIT {
  private static final String NAME = "dc";
  private static final String CONTEXT = "berth-" + NAME;
  private static final String PAGE = "Hello from busybox httpd on berth-os.";
  private static UserHome user;
  private static Path home;

  @BeforeAll
  static void setUp() throws Exception {
    user = UserHome.create("berth-dc-");
    home = user.dir;
  }

  @AfterAll
  static void tearDown() throws Exception {
    user.delete(NAME);
  }

  private static Exec berth(String... args) throws Exception {
    return user.berth(args);
  }

  /** The docker CLI as the user runs it: their HOME, no DOCKER_HOST, no DOCKER_CONTEXT. */
  private static Exec docker(String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "env",
                "-u",
                "DOCKER_HOST",
                "-u",
                "DOCKER_CONTEXT",
                "-u",
                "DOCKER_CONFIG",
                "HOME=" + home,
                "docker"));
    argv.addAll(List.of(args));
    return Exec.run(Map.of(), argv);
  }

  private static Path socket() throws Exception {
    return user.socket(NAME);
  }

  private static Path link() {
    return home.resolve(".docker/desktop/docker.sock");
  }

  @Test
  @Order(1)
  void initRegistersTheContext_startDefaultMakesItCurrent_theDockerCliReachesTheMachine()
      throws Exception {
    Exec init = berth("init", "--image", GuestImage.stream().toString(), "--disk-size", "10", NAME);
    assertThat(init.code()).as(init.out()).isZero();
    Exec contexts = docker("context", "ls", "--format", "{{.Name}} {{.DockerEndpoint}}");
    assertThat(contexts.code()).as(contexts.out()).isZero();
    assertThat(contexts.out()).contains(CONTEXT + " unix://" + socket());
    assertThat(Files.readSymbolicLink(link())).isEqualTo(socket());

    Exec start = berth("start", "--default", NAME);
    assertThat(start.code()).as(start.out()).isZero();
    assertThat(start.out())
        .contains("Current docker context is now \"" + CONTEXT + "\"")
        .contains("docker --context " + CONTEXT + " ps")
        .contains("Testcontainers finds it with no setting, through " + link());

    Exec ps = docker("--context", CONTEXT, "ps");
    assertThat(ps.code()).as(ps.out()).isZero();
    assertThat(ps.out()).startsWith("CONTAINER ID");
    Exec show = docker("context", "show");
    assertThat(show.out().strip()).isEqualTo(CONTEXT);
    Exec load = docker("load", "-i", GuestImage.busyboxHttpd().toString());
    assertThat(load.code()).as(load.out()).isZero();
    Exec images = docker("images", "--format", "{{.Repository}}");
    assertThat(images.out()).contains("busybox-httpd");
  }

  @Test
  @Order(2)
  void testcontainersFindsTheRunningMachine_withNoSetting() throws Exception {
    assumeFalse(
        Files.exists(Path.of("/var/run/docker.sock")),
        "a Docker daemon's /var/run/docker.sock comes before Docker Desktop's socket in Testcontainers' order");
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home,
                "-cp",
                classPath,
                TestcontainersProbe.class.getName(),
                "localhost/busybox-httpd:latest")
            .redirectErrorStream(true);
    Map<String, String> probeEnv = pb.environment();
    for (String variable : new HashMap<>(probeEnv).keySet()) {
      if (variable.startsWith("DOCKER_") || variable.startsWith("TESTCONTAINERS_")) {
        probeEnv.remove(variable);
      }
    }
    probeEnv.put("HOME", home.toString());
    probeEnv.put("TESTCONTAINERS_RYUK_DISABLED", "true");
    if (Files.exists(Path.of("/.dockerenv"))) {
      // This build runs in a container: Testcontainers then takes the daemon to share its network
      // and reaches mapped ports at the daemon's bridge gateway. A user's host has no /.dockerenv.
      probeEnv.put("TESTCONTAINERS_HOST_OVERRIDE", "localhost");
    }
    assertThat(home.resolve(".testcontainers.properties")).doesNotExist();
    Process probe = pb.start();
    String out =
        new String(probe.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(probe.waitFor()).as(out).isZero();
    assertThat(out)
        .contains("DOCKER_HOST_FOUND=unix://" + link())
        .containsPattern("PAGE=[^\n]*<title>berth</title>")
        .contains(PAGE);
  }

  @Test
  @Order(3)
  void rmRemovesTheContext_theCurrentContext_andTheLink() throws Exception {
    Exec rm = berth("rm", "-f", NAME);
    assertThat(rm.code()).as(rm.out()).isZero();
    assertThat(docker("context", "ls", "--format", "{{.Name}}").out()).doesNotContain(CONTEXT);
    assertThat(docker("context", "show").out().strip()).isEqualTo("default");
    assertThat(Files.exists(link(), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }
}
