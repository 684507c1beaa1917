package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The stand-in for Apple Silicon: an aarch64 machine on this x86_64 host, run through the code a
 * Mac runs except the accelerator (TCG here, HVF there). Created from the stream that lists both
 * architectures, it runs the arm64 busybox-httpd published with {@code -p} through the API socket,
 * answers on the host, reads and writes a host directory from a container, and stops, starts and is
 * removed. Steps share the machine and run in order; the timeouts are generous, never asserted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Aarch64StandInIT {
  private static final String NAME = "arm";
  private static final String PAGE = "Hello from busybox httpd on berth-os.";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static UserHome user;
  private static Path shared;
  private static int port;

  @BeforeAll
  static void setUp() throws Exception {
    Assumptions.assumeTrue(
        System.getProperty("os.arch").matches("amd64|x86_64"),
        "the stand-in emulates an aarch64 guest on an x86_64 host; elsewhere it proves nothing");
    user = UserHome.create("berth-aarch64-");
    // the guest user writes here over 9p as itself: the share is open, its parent is ours alone
    shared = Files.createDirectory(user.dir.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(shared.resolve("host.txt"), "written on the host\n");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (user != null) {
      user.delete(NAME);
    }
  }

  private static Exec berth(String... args) throws Exception {
    return user.berth(args);
  }

  private static Exec podman(String... args) throws Exception {
    Path socket = user.socket(NAME);
    List<String> argv = new ArrayList<>(List.of("podman", "--url", "unix://" + socket));
    argv.addAll(List.of(args));
    Exec e = Exec.run(Map.of(), Duration.ofMinutes(10), argv);
    assertThat(e.code()).as("podman " + String.join(" ", args) + ": " + e.out()).isZero();
    return e;
  }

  private static String inspect(String pointer) throws Exception {
    return JSON.readTree(berth("inspect", NAME).out()).at("/0/" + pointer).asText();
  }

  private static long lines(String text, String containing) {
    return text.lines().filter(line -> line.contains(containing)).count();
  }

  @Test
  @Order(1)
  void init_aarch64FromTheTwoArchitectureStream_warnsItIsEmulated() throws Exception {
    Exec init =
        berth(
            "init",
            "--arch",
            "arm64",
            "--image",
            GuestImage.stream().toString(),
            "--disk-size",
            "10",
            "-v",
            shared + ":/mnt/shared",
            NAME);
    assertThat(init.code()).as(init.out()).isZero();
    assertThat(lines(init.out(), "aarch64 machine on an x86_64 host")).as(init.out()).isEqualTo(1);
    assertThat(init.out()).contains("aarch64.qcow2.xz").doesNotContain("x86_64.qcow2.xz");
    assertThat(inspect("Arch")).isEqualTo("aarch64");
  }

  @Test
  @Order(2)
  void start_emulatedArm64Guest_onceWarned() throws Exception {
    Exec start = berth("start", NAME);
    assertThat(start.code()).as(start.out()).isZero();
    assertThat(lines(start.out(), "aarch64 machine on an x86_64 host"))
        .as(start.out())
        .isEqualTo(1);
    assertThat(start.out()).doesNotContain("no hardware virtualization");
    assertThat(inspect("State")).isEqualTo("running");
    Exec uname = berth("ssh", NAME, "uname", "-m");
    assertThat(uname.out().strip()).as(uname.out()).isEqualTo("aarch64");
  }

  @Test
  @Order(3)
  void arm64Container_publishedWithP_answersOnTheHost() throws Exception {
    podman("load", "-i", GuestImage.busyboxHttpd("aarch64").toString());
    podman("run", "-d", "--name", "web", "-p", port + ":80", "localhost/busybox-httpd");
    assertThat(PublishedPage.fetch(port, Duration.ofMinutes(2))).contains(PAGE);
    assertThat(podman("exec", "web", "/bin/busybox", "uname", "-m").out().strip())
        .isEqualTo("aarch64");
  }

  @Test
  @Order(4)
  void container_readsAndWritesAHostDirectory() throws Exception {
    Exec run =
        podman(
            "run",
            "--rm",
            "-v",
            "/mnt/shared:/data",
            "--entrypoint",
            "/bin/busybox",
            "localhost/busybox-httpd",
            "sh",
            "-c",
            "cat /data/host.txt && echo written by an arm64 container > /data/container.txt");
    assertThat(run.out()).contains("written on the host");
    assertThat(Files.readString(shared.resolve("container.txt")))
        .isEqualTo("written by an arm64 container\n");
  }

  @Test
  @Order(5)
  void stopStartRm() throws Exception {
    Exec stop = berth("stop", NAME);
    assertThat(stop.code()).as(stop.out()).isZero();
    assertThat(inspect("State")).isEqualTo("stopped");
    Exec start = berth("start", NAME);
    assertThat(start.code()).as(start.out()).isZero();
    assertThat(podman("ps", "-a", "--format", "{{.Names}}").out()).contains("web");
    Exec rm = berth("rm", "-f", NAME);
    assertThat(rm.code()).as(rm.out()).isZero();
    assertThat(user.dir.resolve("berth/config/machines/" + NAME)).doesNotExist();
    assertThat(berth("list", "--format", "{{.Name}}").out()).doesNotContain(NAME);
  }
}
