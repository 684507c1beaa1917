package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.qemu.QmpClient;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Instant start (issue 18), end to end: {@code stop} saves the machine and {@code start} resumes
 * it, with a container published with {@code -p} still running, its port answering on the host with
 * no command in between, the file it wrote in a volume still there and the guest's clock set; a
 * changed setting or a corrupt state boots afresh, saying why in one line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstantStartIT {
  private static final String NAME = "instant";
  private static final String PAGE = "Hello from busybox httpd on berth-os.";
  private static UserHome home;
  private static Path volume;
  private static int port;

  @BeforeAll
  static void setUp() throws Exception {
    home = UserHome.create("berth-instant-");
    volume = Files.createDirectories(home.dir.resolve("vol"));
    // berth runs as root here: the guest's rootless containers write as another user (home: 0700)
    Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxrwxrwx"));
    port = LoopbackPorts.free();
  }

  @AfterAll
  static void tearDown() throws Exception {
    home.delete(NAME);
  }

  private static Exec berth(String... args) throws Exception {
    return home.berth(args);
  }

  private static Exec ok(Exec e) {
    assertThat(e.code()).as(e.out()).isZero();
    return e;
  }

  private static Exec podman(String... args) throws Exception {
    return podmanOn(NAME, args);
  }

  private static Exec podmanOn(String machine, String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(List.of("podman", "--url", "unix://" + home.socket(machine)));
    argv.addAll(List.of(args));
    return ok(Exec.run(Map.of(), argv));
  }

  private static String fetchOnce() throws Exception {
    return PublishedPage.fetchNow(port);
  }

  private static double guestClockOffset() throws Exception {
    return GuestClockOffset.seconds(home.socket(NAME));
  }

  /** Makes and starts machine {@code name}, which saves its state; {@code more}: init's options. */
  private static void initSaving(String name, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "init",
                "--now",
                "--save-state",
                "--image",
                GuestImage.stream().toString(),
                "--disk-size",
                "10"));
    args.addAll(List.of(more));
    args.add(name);
    ok(berth(args.toArray(String[]::new)));
  }

  /** The machine's disk, as {@code inspect} names it. */
  private static Path disk() throws Exception {
    Matcher path =
        Pattern.compile("\"ImagePath\"\\s*:\\s*\\{\\s*\"Path\"\\s*:\\s*\"([^\"]+)\"")
            .matcher(ok(berth("inspect", NAME)).out());
    assertThat(path.find()).as("inspect names the disk").isTrue();
    return Path.of(path.group(1));
  }

  @Test
  @Order(1)
  void stopSaves_startResumes_theContainerAnswersAtOnce() throws Exception {
    initSaving(NAME, "-v", volume + ":/mnt/vol");
    podman("load", "-i", GuestImage.busyboxHttpd().toString());
    // a container that wrote into the volume and is gone: the volume is free to unmount
    podman(
        "run",
        "--rm",
        "-v",
        "/mnt/vol:/data",
        "localhost/busybox-httpd",
        "sh",
        "-c",
        "echo written-before-the-stop > /data/mark");
    podman("run", "-d", "--name", "web", "-p", port + ":80", "localhost/busybox-httpd");
    assertThat(fetchOnce()).contains(PAGE);

    Exec stop = ok(berth("stop", NAME));
    assertThat(stop.out()).contains("Saved the machine's state");
    Exec inspect = ok(berth("inspect", NAME));
    assertThat(inspect.out()).containsPattern("\"SavedState\"\\s*:\\s*\\{");

    Exec start = ok(berth("start", NAME));
    assertThat(start.out())
        .contains("Resuming the machine from its saved state")
        .doesNotContain("cannot set the machine's clock")
        .doesNotContain("not mounted again");
    // no command in between: the port listens again before the guest runs
    assertThat(fetchOnce()).contains(PAGE);
    assertThat(podman("ps", "--format", "{{.Names}}").out()).contains("web");
    assertThat(Files.readString(volume.resolve("mark"))).isEqualTo("written-before-the-stop\n");
    assertThat(ok(berth("ssh", NAME, "cat", "/mnt/vol/mark")).out())
        .contains("written-before-the-stop");
    assertThat(Math.abs(guestClockOffset())).isLessThan(1.0);
  }

  @Test
  @Order(2)
  void aVolumeAContainerHolds_shutsDownInstead_sayingWhy() throws Exception {
    podman("run", "-d", "--name", "holder", "-v", "/mnt/vol:/data", "localhost/busybox-httpd");
    Exec stop = ok(berth("stop", NAME));
    assertThat(stop.out())
        .containsPattern(
            "the machine's state was not saved: .*(a volume is busy|VirtFS export path .* is"
                + " mounted in the guest).*; shutting it down")
        .doesNotContain("Saved the machine's state");
    assertThat(ok(berth("inspect", NAME)).out()).containsPattern("\"SavedState\"\\s*:\\s*null");
    Exec start = ok(berth("start", NAME));
    assertThat(start.out()).doesNotContain("Resuming").doesNotContain("saved state was not used");
  }

  @Test
  @Order(3)
  void aChangedSettingBootsAfresh_sayingWhy() throws Exception {
    ok(berth("stop", NAME));
    ok(berth("set", "--memory", "2560", NAME));
    Exec start = ok(berth("start", NAME));
    assertThat(start.out())
        .containsPattern("the saved state was not used: the memory changed \\(\\d+ to 2560 MiB\\)");
  }

  @Test
  @Order(4)
  void aCorruptStateBootsAfresh_sayingWhy() throws Exception {
    ok(berth("stop", NAME));
    Path state = disk().resolveSibling(disk().getFileName() + ".state");
    assertThat(state).exists();
    try (RandomAccessFile file = new RandomAccessFile(state.toFile(), "rw")) {
      file.seek(0);
      file.write(new byte[] {'X', 'X', 'X', 'X'});
    }
    Exec start = ok(berth("start", NAME));
    assertThat(start.out()).contains("the saved state was not used: the state file is not a QEMU");
    assertThat(state).doesNotExist();
  }

  @Test
  @Order(5)
  void aChangedDiskBootsAfresh_sayingWhy() throws Exception {
    ok(berth("stop", NAME));
    Files.setLastModifiedTime(
        disk(), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    Exec start = ok(berth("start", NAME));
    assertThat(start.out())
        .contains("the saved state was not used: the disk changed after the state was saved");
  }

  @Test
  @Order(6)
  void stopNoSave_shutsDown_andTheNextStartBoots() throws Exception {
    Exec stop = ok(berth("stop", "--no-save", NAME));
    assertThat(stop.out()).doesNotContain("Saved the machine's state");
    Exec start = ok(berth("start", NAME));
    assertThat(start.out()).doesNotContain("Resuming").doesNotContain("saved state was not used");
  }

  /**
   * Issue 18 item 3: a VM paused 60 s (QMP {@code stop}, as a host asleep leaves it) has a clock 60
   * s behind when it continues; the agent sets it on QEMU's RESUME event.
   */
  @Test
  @Order(7)
  void pausedSixtySeconds_theGuestClockIsRightTwoSecondsAfterCont() throws Exception {
    // beside the API socket, in the machine's runtime directory
    Path userQmp = home.socket(NAME).resolveSibling("qmp-user.sock");
    try (QmpClient qmp = QmpClient.connect(userQmp, event -> {}, Duration.ofSeconds(30))) {
      qmp.execute("stop", Duration.ofSeconds(30));
      Thread.sleep(60_000);
      qmp.execute("cont", Duration.ofSeconds(30));
    }
    Thread.sleep(2_000);
    assertThat(Math.abs(guestClockOffset())).isLessThan(1.0);
  }

  /** The machine's QEMU, found by the process name berth gives it. */
  private static ProcessHandle qemu() {
    return ProcessHandle.allProcesses()
        .filter(
            p -> p.info().commandLine().map(c -> c.contains("process=berth-" + NAME)).orElse(false))
        .findFirst()
        .orElseThrow();
  }

  /** The machine's agent, found by its command line. */
  private static ProcessHandle agent() {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .map(c -> c.contains("dev.berth.cli.Main agent " + NAME + " "))
                    .orElse(false))
        .findFirst()
        .orElseThrow();
  }

  /**
   * Runs {@code berth stop}, kills {@code victim} with SIGKILL as soon as QEMU has begun writing
   * the state (the partial file exists), then checks that the next {@code start} works.
   */
  private static void killedDuringTheSave_theNextStartWorks(ProcessHandle victim) throws Exception {
    Path partial = disk().resolveSibling(disk().getFileName() + ".state.partial");
    CompletableFuture<Exec> stop =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return berth("stop", NAME);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    while (!Files.exists(partial) && !stop.isDone()) {
      Thread.sleep(5);
    }
    assertThat(partial).as("QEMU began writing the state before the stop ended").exists();
    victim.destroyForcibly();
    victim.onExit().get();
    stop.join();
    Exec start = ok(berth("start", NAME));
    assertThat(start.out()).doesNotContain("Resuming");
    assertThat(ok(berth("ssh", NAME, "cat", "/mnt/vol/mark")).out())
        .contains("written-before-the-stop");
  }

  @Test
  @Order(8)
  void qemuKilledDuringTheSave_theNextStartWorks() throws Exception {
    killedDuringTheSave_theNextStartWorks(qemu());
  }

  @Test
  @Order(9)
  void agentKilledDuringTheSave_theNextStartWorks() throws Exception {
    killedDuringTheSave_theNextStartWorks(agent());
  }

  /**
   * The fast resume: a machine without volumes is ready once podman's API answers on its own guest
   * port, with no SSH login; its clock is set just after, SSH logs in after that, and the machine
   * saves again. (The machine above has a volume, so its resume logs in first.)
   */
  @Test
  @Order(10)
  void withoutVolumes_resumedWithoutSsh_clockSetJustAfter_savesAgain() throws Exception {
    String name = "instant-novolumes";
    int webPort = LoopbackPorts.free();
    try {
      initSaving(name);
      podmanOn(name, "load", "-i", GuestImage.busyboxHttpd().toString());
      podmanOn(
          name, "run", "-d", "--name", "web", "-p", webPort + ":80", "localhost/busybox-httpd");
      assertThat(ok(berth("stop", name)).out()).contains("Saved the machine's state");
      Path api = home.socket(name);
      Thread.sleep(5000); // the guest's clock stands still meanwhile

      Exec start = ok(berth("start", name));
      long started = System.nanoTime();
      double offset = GuestClockOffset.seconds(api);
      while (Math.abs(offset) >= 1.0 && System.nanoTime() - started < 2_000_000_000L) {
        Thread.sleep(100);
        offset = GuestClockOffset.seconds(api);
      }
      assertThat(Math.abs(offset)).as("the guest clock 2 s after start").isLessThan(1.0);
      assertThat(start.out())
          .contains("Resuming the machine from its saved state")
          .doesNotContain("Warning: cannot set");
      assertThat(podmanOn(name, "ps", "--format", "{{.Names}}").out()).contains("web");
      assertThat(PublishedPage.fetchNow(webPort)).contains(PAGE);
      String agentLog = Files.readString(api.resolveSibling("agent.log"));
      assertThat(agentLog.substring(agentLog.lastIndexOf("Resuming the machine")))
          .contains("the API socket reaches podman's API on the machine's port 10375")
          .doesNotContain("forwarding over SSH");

      assertThat(ok(berth("ssh", name, "echo", "logged-in")).out()).contains("logged-in");
      assertThat(ok(berth("stop", name)).out()).contains("Saved the machine's state");
    } finally {
      berth("rm", "-f", name);
    }
  }
}
