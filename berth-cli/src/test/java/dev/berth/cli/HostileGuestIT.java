package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The forwarder attacked from where an attacker sits: inside a real berth-os guest, as its ordinary
 * user, with nothing but bash's {@code /dev/tcp}, and from a container in it (busybox's nc), as
 * other people's images run. Each request is one the review reproduced against the unbounded
 * forwarder.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileGuestIT {
  private static final String NAME = "hostile";
  private static Path home;
  private static Map<String, String> env;

  @BeforeAll
  static void setUp() throws Exception {
    home = Files.createTempDirectory("berth-hostile-");
    env =
        Map.of(
            "BERTH_HOME",
            home.resolve("berth").toString(),
            "XDG_CONFIG_HOME",
            home.resolve("xdg").toString(),
            "HOME",
            home.toString());
    Exec init =
        berth(
            "init", "--now", "--image", GuestImage.stream().toString(), "--disk-size", "10", NAME);
    assertThat(init.code()).as(init.out()).isZero();
  }

  @AfterAll
  static void tearDown() throws Exception {
    berth("rm", "-f", NAME);
    Exec.run(Map.of(), List.of("rm", "-rf", home.toString()));
  }

  private static Exec berth(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(GuestImage.root().resolve("bin/berth").toString()));
    argv.addAll(List.of(args));
    return Exec.run(env, Duration.ofMinutes(15), argv);
  }

  /** What the gateway's forwarder answers a POST from inside the guest, status line first. */
  private static String postFromGuest(String route, String json) throws Exception {
    String script =
        "body='"
            + json
            + "'; exec 3<>/dev/tcp/192.168.127.1/80;"
            + " printf 'POST /services/forwarder/"
            + route
            + " HTTP/1.1\\r\\nHost: gateway.containers.internal\\r\\n"
            + "Content-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s' \"${#body}\" \"$body\" >&3; cat <&3";
    Exec e = inGuest(script);
    assertThat(e.code()).as(e.out()).isZero();
    return e.out();
  }

  /**
   * Runs a bash script as the guest's user; it travels base64-encoded, so that no shell between
   * here and the guest's bash reads its quotes.
   */
  private static Exec inGuest(String script) throws Exception {
    String encoded = Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8));
    return berth("ssh", NAME, "echo " + encoded + " | base64 -d | bash");
  }

  private static int sshPort() throws Exception {
    Exec port = berth("inspect", "--format", "{{.SSHConfig.Port}}", NAME);
    assertThat(port.code()).as(port.out()).isZero();
    return Integer.parseInt(port.out().strip());
  }

  @Test
  @Order(1)
  void theGuestCannotTurnAHostFileIntoASocket() throws Exception {
    Path victim = Files.writeString(home.resolve("victim.txt"), "the user's file\n");
    String response =
        postFromGuest(
            "expose",
            "{\"local\":\""
                + victim
                + "\",\"remote\":\"tcp://192.168.127.2:22\",\"protocol\":\"unix\"}");
    assertThat(response).startsWith("HTTP/1.1 403 ").contains("guests cannot make unix forwards");
    assertThat(Files.isRegularFile(victim, LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.readString(victim)).isEqualTo("the user's file\n");
  }

  @Test
  @Order(2)
  void theGuestCannotPutItsSshOnEveryHostInterfaceNorRemoveTheMachinesSshForward()
      throws Exception {
    int port = LoopbackPorts.free();
    assertThat(
            postFromGuest(
                "expose",
                "{\"local\":\"0.0.0.0:" + port + "\",\"remote\":\":22\",\"protocol\":\"tcp\"}"))
        .startsWith("HTTP/1.1 403 ")
        .contains("berth set --publish-all-addresses " + NAME);
    assertThat(
            postFromGuest(
                "unexpose", "{\"local\":\"127.0.0.1:" + sshPort() + "\",\"protocol\":\"tcp\"}"))
        .startsWith("HTTP/1.1 403 ")
        .contains("made on the host");
    Exec ssh = berth("ssh", NAME, "echo", "still-here");
    assertThat(ssh.out()).contains("still-here");
  }

  @Test
  @Order(3)
  void theGuestCannotPublishAHostServiceThroughTheHostAlias() throws Exception {
    assertThat(
            postFromGuest(
                "expose",
                "{\"local\":\"127.0.0.1:"
                    + LoopbackPorts.free()
                    + "\",\"remote\":\"192.168.127.254:"
                    + sshPort()
                    + "\",\"protocol\":\"tcp\"}"))
        .startsWith("HTTP/1.1 403 ")
        .contains("only to its own address");
  }

  @Test
  @Order(4)
  void podmanRunOnEveryAddressPublishesOnLoopbackOnly() throws Exception {
    // Debian's podman 4.3.1 drops the host IP before it calls the forwarder (podman 5 sends it, and
    // gets the 403 of theGuestCannotPutItsSshOnEveryHostInterface…): either way nothing reaches the
    // LAN.
    Path api = home.resolve("berth/run/" + NAME + "/podman.sock");
    Exec load =
        Exec.run(
            Map.of(),
            List.of(
                "podman",
                "--url",
                "unix://" + api,
                "load",
                "-i",
                GuestImage.busyboxHttpd().toString()));
    assertThat(load.code()).as(load.out()).isZero();
    int port = LoopbackPorts.free();
    Exec run =
        Exec.run(
            Map.of(),
            List.of(
                "podman",
                "--url",
                "unix://" + api,
                "run",
                "-d",
                "--name",
                "everywhere",
                "-p",
                "0.0.0.0:" + port + ":80",
                "localhost/busybox-httpd"));
    assertThat(run.code()).as(run.out()).isZero();
    Exec ports = berth("ports", NAME);
    assertThat(ports.out())
        .containsPattern("127\\.0\\.0\\.1:" + port + "\\s")
        .doesNotContain("0.0.0.0:" + port);
  }

  @Test
  @Order(5)
  void aContainerCannotTurnAHostFileIntoASocketEither() throws Exception {
    Path victim = Files.writeString(home.resolve("victim-of-a-container.txt"), "the user's file\n");
    String json =
        "{\"local\":\""
            + victim
            + "\",\"remote\":\"tcp://192.168.127.2:22\",\"protocol\":\"unix\"}";
    Path api = home.resolve("berth/run/" + NAME + "/podman.sock");
    // The JSON travels as $1, so that no quoting stands between it and the request.
    String script =
        "printf 'POST /services/forwarder/expose HTTP/1.1\\r\\nHost: g\\r\\nContent-Length: %d\\r\\n"
            + "Connection: close\\r\\n\\r\\n%s' ${#1} \"$1\" | /bin/busybox nc 192.168.127.1 80";
    Exec run =
        Exec.run(
            Map.of(),
            List.of(
                "podman",
                "--url",
                "unix://" + api,
                "run",
                "--rm",
                "localhost/busybox-httpd",
                "/bin/sh",
                "-c",
                script,
                "sh",
                json));
    assertThat(run.out()).contains("HTTP/1.1 403 ").contains("guests cannot make unix forwards");
    assertThat(Files.isRegularFile(victim, LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.readString(victim)).isEqualTo("the user's file\n");
  }

  @Test
  @Order(6)
  void aPortAHostServiceHoldsOnIpv6LoopbackIsNotTakenOnIpv4() throws Exception {
    Path api = home.resolve("berth/run/" + NAME + "/podman.sock");
    try (ServerSocket hostService = new ServerSocket()) {
      hostService.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
      int port = hostService.getLocalPort();
      Exec run =
          Exec.run(
              Map.of(),
              List.of(
                  "podman",
                  "--url",
                  "unix://" + api,
                  "run",
                  "-d",
                  "--name",
                  "shadow",
                  "-p",
                  port + ":80",
                  "localhost/busybox-httpd"));
      assertThat(run.code()).as(run.out()).isNotZero();
      assertThat(run.out()).contains("already in use on the host");
    }
  }

  @Test
  @Order(7)
  void theHostsApiPortTurnsAwayTheGuestsOwnPrograms() throws Exception {
    assertThat(Files.readString(home.resolve("berth/run/" + NAME + "/agent.log")))
        .contains("the API socket reaches podman's API on the machine's port 10375");
    String script =
        "for a in 127.0.0.1 192.168.127.2; do for p in 10375 10376; do"
            + " timeout 3 bash -c \"exec 3<>/dev/tcp/$a/$p\" 2>/dev/null && echo \"open $a:$p\";"
            + " done; done; echo tried";
    Exec e = inGuest(script);
    assertThat(e.out()).contains("tried").doesNotContain("open");
  }

  @Test
  @Order(8)
  void aContainerCannotReachTheHostsApiPortNorHaveItForwarded() throws Exception {
    Path api = home.resolve("berth/run/" + NAME + "/podman.sock");
    String json =
        "{\"local\":\"127.0.0.1:"
            + LoopbackPorts.free()
            + "\",\"remote\":\"192.168.127.2:10375\",\"protocol\":\"tcp\"}";
    String script =
        "printf 'GET /_ping HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 3 192.168.127.2 10375;"
            + " echo; echo pinged;"
            + " printf 'POST /services/forwarder/expose HTTP/1.1\\r\\nHost: g\\r\\nContent-Length: %d\\r\\n"
            + "Connection: close\\r\\n\\r\\n%s' ${#1} \"$1\" | /bin/busybox nc 192.168.127.1 80";
    Exec run =
        Exec.run(
            Map.of(),
            List.of(
                "podman",
                "--url",
                "unix://" + api,
                "run",
                "--rm",
                "localhost/busybox-httpd",
                "/bin/sh",
                "-c",
                script,
                "sh",
                json));
    assertThat(run.out())
        .contains("pinged")
        .doesNotContain("HTTP/1.1 200")
        .contains("HTTP/1.1 403 ")
        .contains("port 10375 of the machine serves the host alone");
    // the API socket's own forward is listed (origin host); no host port leads to the API ports
    assertThat(berth("ports", NAME).out())
        .containsPattern("podman\\.sock\\s+tcp://192\\.168\\.127\\.2:10375\\s+unix\\s+host")
        .doesNotContainPattern("\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+\\s+192\\.168\\.127\\.2:1037[56]\\s");
  }

  @Test
  @Order(9)
  void theApiPassesAHalfClosedStdinOn() throws Exception {
    Path api = home.resolve("berth/run/" + NAME + "/podman.sock");
    Exec cat =
        Exec.run(
            Map.of(),
            List.of(
                "sh",
                "-c",
                "echo through-the-port | podman --url unix://"
                    + api
                    + " run -i --rm localhost/busybox-httpd /bin/busybox cat"));
    assertThat(cat.code()).as(cat.out()).isZero();
    assertThat(cat.out()).contains("through-the-port");
  }
}
