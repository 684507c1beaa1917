package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One machine through its life, for real: berth-os under QEMU (TCG here), started by bin/berth as a
 * user runs it, reached by the system ssh, Debian's podman and the docker CLI; then the faults that
 * podman machine handles badly. The steps share the machine and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MachineLifecycleIT {
  private static final String NAME = "lc";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path home;
  private static Map<String, String> env;

  @BeforeAll
  static void setUp() throws Exception {
    home = Files.createTempDirectory("berth-lifecycle-");
    env =
        Map.of(
            "BERTH_HOME",
            home.resolve("berth").toString(),
            "XDG_CONFIG_HOME",
            home.resolve("xdg").toString(),
            "HOME",
            home.toString());
  }

  @AfterAll
  static void tearDown() throws Exception {
    berth("rm", "-f", NAME);
    berth("rm", "-f", "noready");
    Exec.run(Map.of(), List.of("rm", "-rf", home.toString()));
  }

  static Exec berth(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(GuestImage.root().resolve("bin/berth").toString()));
    argv.addAll(List.of(args));
    return Exec.run(env, Duration.ofMinutes(15), argv);
  }

  private static Path apiSocket() {
    return home.resolve("berth/run/" + NAME + "/podman.sock");
  }

  private static Exec podman(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("podman", "--url", "unix://" + apiSocket()));
    argv.addAll(List.of(args));
    return Exec.run(Map.of(), argv);
  }

  private static String state() throws Exception {
    return JSON.readTree(berth("inspect", NAME).out()).at("/0/State").asText();
  }

  private static Optional<ProcessHandle> qemuOf(String name) {
    return ProcessHandle.allProcesses()
        .filter(
            p -> p.info().commandLine().map(c -> c.contains("process=berth-" + name)).orElse(false))
        .findFirst();
  }

  private static void assertNothingRunning(String name) throws Exception {
    assertThat(qemuOf(name)).as("QEMU of " + name).isEmpty();
    Path runtime = home.resolve("berth/run/" + name);
    if (Files.exists(runtime)) {
      try (var files = Files.list(runtime)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .as("stale sockets or pid files of " + name)
            .noneMatch(f -> f.endsWith(".sock") || f.endsWith(".pid"));
      }
    }
  }

  @Test
  @Order(1)
  void initThenQemuKilledAtTheFirstLease_theFirstStartFails() throws Exception {
    Exec init =
        berth(
            "init",
            "--image",
            GuestImage.stream().toString(),
            "--disk-size",
            "10",
            "--cpus",
            "2",
            NAME);
    assertThat(init.code()).as(init.out()).isZero();
    CompletableFuture<Exec> start =
        CompletableFuture.supplyAsync(() -> uncheckedBerth("start", NAME));
    // Ignition runs before the network: the lease is when a kill of QEMU has bricked the guest,
    // its writes not yet on the disk (the console is quiet; the agent logs the lease)
    Path agentLog = home.resolve("berth/run/" + NAME + "/agent.log");
    waitFor(() -> Files.exists(agentLog) && Files.readString(agentLog).contains("DHCP lease"));
    qemuOf(NAME).orElseThrow().destroyForcibly();

    Exec failed = start.join();
    assertThat(failed.code()).as(failed.out()).isEqualTo(125);
    assertThat(state()).isEqualTo("stopped");
  }

  /**
   * Whatever the cut-short first boot left on the disk (a half-configured guest that Ignition
   * cannot configure again), the machine was never up: its next start begins again on a fresh disk.
   */
  @Test
  @Order(2)
  void startAfterACutShortFirstBoot_beginsAgainOnAFreshDisk_andReportsTheApiSocket()
      throws Exception {
    Exec start = berth("start", NAME);
    assertThat(start.code()).as(start.out()).isZero();
    assertThat(start.out())
        .contains(
            "the machine's first boot was cut short before it was ever up: configuring it again on"
                + " a fresh disk")
        .contains("API forwarding listening on: " + apiSocket())
        .contains("export DOCKER_HOST='unix://" + apiSocket() + "'")
        .contains("Machine \"" + NAME + "\" started successfully");
    assertThat(state()).isEqualTo("running");
    assertThat(berth("list").out()).containsPattern(NAME + "\\*?\\s+qemu\\s+.*Currently running");
  }

  @Test
  @Order(3)
  void ssh_runsCommandsAndReturnsTheirStatus() throws Exception {
    Exec info = berth("ssh", NAME, "podman", "info", "--format", "{{.Host.OS}}");
    assertThat(info.code()).as(info.out()).isZero();
    assertThat(info.out().strip()).isEqualTo("linux");
    assertThat(berth("ssh", NAME, "exit", "3").code()).isEqualTo(3);
    assertThat(berth("ssh", NAME, "hostname").out().strip()).isNotEmpty();
  }

  @Test
  @Order(4)
  void apiSocket_servesPodmanAndDockerClients() throws Exception {
    assertThat(Files.getPosixFilePermissions(apiSocket())).hasSize(2);
    Exec ping =
        Exec.run(
            Map.of(),
            List.of("curl", "-sf", "--unix-socket", apiSocket().toString(), "http://d/_ping"));
    assertThat(ping.out()).isEqualTo("OK");
    Exec load = podman("load", "-i", GuestImage.busyboxHttpd().toString());
    assertThat(load.code()).as(load.out()).isZero();
    // Published ports are PublishedPortsIT's: this machine also runs on --network=slirp later.
    Exec run = podman("run", "-d", "--name", "web", "localhost/busybox-httpd");
    assertThat(run.code()).as(run.out()).isZero();
    assertThat(podman("ps", "--format", "{{.Names}}").out()).contains("web");
    Exec page = podman("exec", "web", "/bin/busybox", "wget", "-qO-", "http://127.0.0.1:80/");
    assertThat(page.code()).as(page.out()).isZero();
    assertThat(page.out()).isNotBlank();
    assertThat(podman("logs", "web").code()).isZero();
    Exec docker =
        Exec.run(
            Map.of("DOCKER_HOST", "unix://" + apiSocket()),
            List.of("docker", "ps", "--format", "{{.Names}}"));
    assertThat(docker.code()).as(docker.out()).isZero();
    assertThat(docker.out()).contains("web");
  }

  @Test
  @Order(5)
  void startOfARunningMachine_andTwoStartsAtOnce_refused() throws Exception {
    Exec again = berth("start", NAME);
    assertThat(again.code()).isEqualTo(125);
    assertThat(again.out()).contains("Error: machine \"" + NAME + "\" is already running");
  }

  @Test
  @Order(6)
  void stopThenStart_keepsData_andDoesNotRerunIgnition() throws Exception {
    String hostKey =
        Files.readString(home.resolve("berth/config/machines/" + NAME + "/known_hosts"));
    Exec stop = berth("stop", NAME);
    assertThat(stop.code()).as(stop.out()).isZero();
    assertThat(stop.out()).contains("Machine \"" + NAME + "\" stopped successfully");
    assertThat(state()).isEqualTo("stopped");
    assertNothingRunning(NAME);
    assertThat(berth("list").out()).containsPattern("(seconds|second|minute|minutes) ago");
    assertThat(berth("stop", NAME).code()).as("stopping a stopped machine is fine").isZero();

    CompletableFuture<Exec> first =
        CompletableFuture.supplyAsync(() -> uncheckedBerth("start", NAME));
    CompletableFuture<Exec> second =
        CompletableFuture.supplyAsync(() -> uncheckedBerth("start", NAME));
    List<Exec> both = List.of(first.join(), second.join());
    assertThat(both).filteredOn(e -> e.code() == 0).as(both.toString()).hasSize(1);
    // the start that lost finds the winner's agent booting (start holds the lock only until its
    // agent answers), or, if it came that late, the machine up
    assertThat(both)
        .filteredOn(e -> e.code() == 125)
        .singleElement()
        .satisfies(e -> assertThat(e.out()).containsPattern("is already (starting|running)"));

    assertThat(podman("images", "--format", "{{.Repository}}").out()).contains("busybox-httpd");
    assertThat(Files.readString(home.resolve("berth/config/machines/" + NAME + "/known_hosts")))
        .as("the guest kept its host key: Ignition and first-boot setup did not run again")
        .isEqualTo(hostKey);
  }

  private static Exec uncheckedBerth(String... args) {
    try {
      return berth(args);
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @Test
  @Order(7)
  void qemuKilled_listTellsTheTruth_andStartWorks_onQemusNetworkToo() throws Exception {
    ProcessHandle qemu = qemuOf(NAME).orElseThrow();
    qemu.destroyForcibly();
    qemu.onExit().get();
    waitFor(() -> state().equals("stopped"));
    assertNothingRunning(NAME);
    Exec start = berth("start", "--network=slirp", NAME);
    assertThat(start.code()).as(start.out()).isZero();
    assertThat(state()).isEqualTo("running");
    assertThat(berth("ssh", NAME, "true").code()).as("SSH over QEMU's network").isZero();
    Exec ports = berth("ports", NAME);
    assertThat(ports.code()).isEqualTo(125);
    assertThat(ports.out())
        .contains("runs on QEMU's network (--network=slirp), which publishes no ports");
    Exec wrong = berth("start", "--network=vde", NAME);
    assertThat(wrong.code()).isEqualTo(125);
    assertThat(wrong.out()).contains("unknown network \"vde\": use berth");
  }

  @Test
  @Order(8)
  void agentKilled_orphanedQemuIsStoppedByTheNextCommand() throws Exception {
    ProcessHandle agent = ProcessHandle.of(agentPid()).orElseThrow();
    agent.destroyForcibly();
    agent.onExit().get();
    assertThat(state()).isEqualTo("stopped");
    assertThat(qemuOf(NAME)).as("QEMU outlives its killed agent").isPresent();
    Exec start = berth("start", NAME);
    assertThat(start.code()).as(start.out()).isZero();
    assertThat(start.out()).contains("left running by a crashed agent");
    assertThat(
            ProcessHandle.allProcesses()
                .filter(
                    p ->
                        p.info()
                            .commandLine()
                            .map(c -> c.contains("process=berth-" + NAME))
                            .orElse(false))
                .count())
        .isEqualTo(1);
    Exec stop = berth("stop", NAME);
    assertThat(stop.code()).as(stop.out()).isZero();
    assertNothingRunning(NAME);
  }

  private static long agentPid() throws Exception {
    Exec ps = Exec.run(Map.of(), List.of("pgrep", "-f", "dev.berth.cli.Main agent " + NAME + " "));
    return Long.parseLong(ps.out().lines().findFirst().orElseThrow().strip());
  }

  @Test
  @Order(9)
  void guestThatNeverSendsReady_failsWithConsoleTail_andLeavesNothingRunning() throws Exception {
    Path ignition = home.resolve("no-ready.ign");
    Files.writeString(ignition, "{\"ignition\":{\"version\":\"3.2.0\"}}");
    Exec init =
        berth(
            "init",
            "--image",
            GuestImage.stream().toString(),
            "--ignition-path",
            ignition.toString(),
            "noready");
    assertThat(init.code()).as(init.out()).isZero();
    Exec start = berth("start", "--timeout", "120", "noready");
    assertThat(start.code()).isEqualTo(125);
    assertThat(start.out())
        .contains(
            "Error: machine \"noready\" did not start: the guest did not report Ready within 120 s")
        .contains("lines of the console:")
        .contains("console.log");
    assertNothingRunning("noready");
    assertThat(JSON.readTree(berth("inspect", "noready").out()).at("/0/State").asText())
        .isEqualTo("stopped");
    assertThat(berth("rm", "-f", "noready").code()).isZero();
  }

  @Test
  @Order(10)
  void agentAndQemuKilledDuringStart_startFailsClearly_andTheNextStartWorks() throws Exception {
    CompletableFuture<Exec> start =
        CompletableFuture.supplyAsync(() -> uncheckedBerth("start", NAME));
    waitFor(() -> qemuOf(NAME).isPresent());
    ProcessHandle agent = ProcessHandle.of(agentPid()).orElseThrow();
    ProcessHandle qemu = qemuOf(NAME).orElseThrow();
    agent.destroyForcibly();
    qemu.destroyForcibly();
    Exec failed = start.join();
    assertThat(failed.code()).isEqualTo(125);
    assertThat(failed.out())
        .contains(
            "Error: the agent of machine \"" + NAME + "\" exited before the machine was ready");
    assertThat(state()).isEqualTo("stopped");
    Exec again = berth("start", NAME);
    assertThat(again.code()).as(again.out()).isZero();
    assertThat(state()).isEqualTo("running");
  }

  @Test
  @Order(11)
  void stopDuringAStart_cancelsTheStart_andLeavesNothingRunning() throws Exception {
    assertThat(berth("stop", NAME).code()).isZero();
    CompletableFuture<Exec> start =
        CompletableFuture.supplyAsync(() -> uncheckedBerth("start", NAME));
    waitFor(() -> qemuOf(NAME).isPresent());
    Exec stop = berth("stop", NAME);
    assertThat(stop.code()).as(stop.out()).isZero();
    Exec cancelled = start.join();
    assertThat(cancelled.code()).as(cancelled.out()).isEqualTo(125);
    assertThat(cancelled.out())
        .contains("Error: the start of machine \"" + NAME + "\" was cancelled by a stop");
    assertNothingRunning(NAME);
    assertThat(state()).isEqualTo("stopped");
  }

  @Test
  @Order(12)
  void rmForce_stopsARunningMachine() throws Exception {
    Exec rm = berth("rm", "-f", NAME);
    assertThat(rm.code()).as(rm.out()).isZero();
    assertNothingRunning(NAME);
    assertThat(berth("ls", "-q").out()).doesNotContain(NAME);
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(Check check) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!check.ok()) {
      assertThat(System.nanoTime()).as("condition within 3 min").isLessThan(deadline);
      Thread.sleep(500);
    }
  }
}
