package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every port a program in the machine listens on reaches the host's loopback: a server started over
 * {@code berth ssh} (busybox httpd, a UDP echo in perl, which Debian always has) answers on the
 * same host port, and its forward goes when it stops. The latency from the server listening to the
 * host's first answer is printed, not asserted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ListeningPortsIT {
  private static final String NAME = "lp";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static UserHome home;
  private static int httpPort;
  private static int udpPort;

  @BeforeAll
  static void setUp() throws Exception {
    home = UserHome.create("berth-listening-");
    // the port where this host leaves it free
    httpPort = LoopbackPorts.tcpAndUdpFree(8123) ? 8123 : LoopbackPorts.free();
    udpPort = LoopbackPorts.free();
    Exec init =
        berth(
            "init", "--now", "--image", GuestImage.stream().toString(), "--disk-size", "10", NAME);
    assertThat(init.code()).as(init.out()).isZero();
    Path api = home.socket(NAME);
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
    // berth-os has no busybox of its own: take the image's
    ssh(
        "podman create --name bb localhost/busybox-httpd && podman cp bb:/bin/busybox ./busybox"
            + " && podman rm bb && mkdir -p www && echo 'auto-forwarded' > www/index.html");
  }

  @AfterAll
  static void tearDown() throws Exception {
    home.delete(NAME);
  }

  private static Exec berth(String... args) throws Exception {
    return home.berth(args);
  }

  private static Exec ssh(String command) throws Exception {
    Exec e = berth("ssh", NAME, command);
    assertThat(e.code()).as(command + ": " + e.out()).isZero();
    return e;
  }

  /** Starts {@code command} in the background in the guest; its pid goes to {@code pidFile}. */
  private static void startInGuest(String command, String pidFile) throws Exception {
    ssh("nohup " + command + " </dev/null >/dev/null 2>&1 & echo $! > " + pidFile);
  }

  private static String udpEcho(int port) {
    return "perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => "
        + port
        + ", Proto => \"udp\") or die $!; while ($s->recv($m, 2048)) { $s->send($m) }'";
  }

  @Test
  @Order(1)
  void aServerStartedOverSshAnswersOnTheHostsLoopback_loopbackOnesAndTakenPortsAreLeftOut()
      throws Exception {
    try (ServerSocket hostService = new ServerSocket()) {
      hostService.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int taken = hostService.getLocalPort();
      int loopbackOnly = LoopbackPorts.free();
      startInGuest("./busybox httpd -f -p 127.0.0.1:" + loopbackOnly + " -h www", "lo.pid");
      startInGuest("./busybox httpd -f -p " + taken + " -h www", "taken.pid");
      startInGuest("./busybox httpd -f -p " + httpPort + " -h www", "httpd.pid");
      long listening = System.nanoTime();
      assertThat(PublishedPage.fetch(httpPort, WAIT, Duration.ofMillis(50)))
          .contains("auto-forwarded");
      System.out.printf(
          "auto-forward latency (tcp, berth ssh returned -> first answer on the host): %d ms%n",
          Duration.ofNanos(System.nanoTime() - listening).toMillis());

      Exec ports = berth("ports", NAME);
      assertThat(ports.out())
          .containsPattern(
              "127\\.0\\.0\\.1:"
                  + httpPort
                  + "\\s+192\\.168\\.127\\.2:"
                  + httpPort
                  + "\\s+tcp\\s+auto")
          .containsPattern("127\\.0\\.0\\.1:\\d+\\s+192\\.168\\.127\\.2:22\\s+tcp\\s+ssh")
          .doesNotContain(":" + loopbackOnly + " ")
          .doesNotContain(":" + taken + " ");
      awaitAgentLog("not forwarding tcp port " + taken);
    }
  }

  @Test
  @Order(2)
  void aUdpServerAnswersOnTheHostsLoopbackToo() throws Exception {
    startInGuest(udpEcho(udpPort), "udp.pid");
    long listening = System.nanoTime();
    assertThat(echo(udpPort, "ping over udp")).isEqualTo("ping over udp");
    System.out.printf(
        "auto-forward latency (udp, berth ssh returned -> first echo on the host): %d ms%n",
        Duration.ofNanos(System.nanoTime() - listening).toMillis());
    assertThat(berth("ports", NAME).out())
        .containsPattern("127\\.0\\.0\\.1:" + udpPort + "\\s+\\S+\\s+udp\\s+auto");
  }

  @Test
  @Order(3)
  void whenTheServersStopTheirForwardsGo() throws Exception {
    ssh("kill $(cat httpd.pid) $(cat udp.pid)");
    awaitFree(httpPort);
    awaitFree(udpPort);
    assertThat(berth("ports", NAME).out())
        .doesNotContain(":" + httpPort + " ")
        .doesNotContain(":" + udpPort + " ");
  }

  @Test
  @Order(4)
  void turnedOffTheMachineForwardsNoListeningPort() throws Exception {
    assertThat(berth("stop", NAME).code()).isZero();
    Exec set = berth("set", "--publish-listening-ports=false", NAME);
    assertThat(set.code()).as(set.out()).isZero();
    assertThat(berth("start", NAME).code()).isZero();
    startInGuest("./busybox httpd -f -p " + httpPort + " -h www", "httpd.pid");
    // several reporter periods: a forward would be there by now
    Thread.sleep(5_000);
    assertThat(LoopbackPorts.tcpAndUdpFree(httpPort)).isTrue();
    assertThat(berth("ports", NAME).out()).doesNotContain("auto");
  }

  /** The echo of {@code text} from the host's UDP {@code port}, sent again until it comes. */
  private static String echo(int port, String text) throws Exception {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    long deadline = System.nanoTime() + WAIT.toNanos();
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(200);
      while (System.nanoTime() < deadline) {
        socket.send(
            new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        try {
          socket.receive(reply);
          return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII);
        } catch (SocketTimeoutException | java.net.PortUnreachableException e) {
          // not forwarded yet
        }
      }
    }
    throw new AssertionError("no echo from 127.0.0.1:" + port + " over udp");
  }

  /** Waits for {@code line} in the agent's log: the skip may be logged just after the answer. */
  private static void awaitAgentLog(String line) throws Exception {
    Path log = home.dir.resolve("berth/run/" + NAME + "/agent.log");
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!Files.readString(log).contains(line) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(Files.readString(log)).contains(line);
  }

  private static void awaitFree(int port) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!LoopbackPorts.tcpAndUdpFree(port) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(LoopbackPorts.tcpAndUdpFree(port))
        .as("host port %d after the server stopped", port)
        .isTrue();
  }
}
