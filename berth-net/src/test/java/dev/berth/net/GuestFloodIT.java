package dev.berth.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.testing.NetnsGuest;
import dev.berth.net.testing.ServedNetwork;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The floods of issue 16 from inside the guest's namespace, with bench/hostile/attack.py: spoofed
 * MACs, TCP connections past the cap, endless headers, forwards past the policy's limit. Each limit
 * holds and a correct request is served afterwards. Needs root (namespaces, TAP) and python3; it
 * boots no VM but loads the CPU, so run it under the VM lock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuestFloodIT {

  private static final Path ATTACK =
      Path.of("..", "bench", "hostile", "attack.py").toAbsolutePath().normalize();
  private static final int MAX_FLOWS = 200;
  private static final ObjectMapper JSON = new ObjectMapper();

  private ServedNetwork served;

  @BeforeAll
  void start() throws Exception {
    assumeThat(NetnsGuest.host("id", "-u").stdout().trim())
        .as("needs root for namespaces and TAP devices")
        .isEqualTo("0");
    assumeThat(NetnsGuest.host("python3", "--version").exitCode())
        .as("needs python3 for attack.py")
        .isZero();
    assertThat(ATTACK).exists();
    served = ServedNetwork.start(NetworkConfig.gvproxyDefaults().withTcpMaxFlows(MAX_FLOWS));
  }

  @AfterAll
  void stop() throws Exception {
    if (served != null) {
      served.close();
    }
  }

  private JsonNode attack(Duration timeout, String... args) throws Exception {
    String[] cmd = new String[args.length + 2];
    cmd[0] = "python3";
    cmd[1] = ATTACK.toString();
    System.arraycopy(args, 0, cmd, 2, args.length);
    String out = served.guest.exec(timeout, cmd).orFail().stdout().trim();
    return JSON.readTree(out.substring(out.lastIndexOf('\n') + 1));
  }

  @Test
  void everyFloodMeetsItsLimitAndTheGuestIsStillServed() throws Exception {
    JsonNode macs =
        attack(
            Duration.ofSeconds(60),
            "macs",
            "tap0",
            served.hostApi.socket().toString(),
            "3000",
            "30");
    assertThat(macs.get("read_by_berth_net").asInt()).isGreaterThan(1024);
    assertThat(served.net.stats().knownMacs()).isLessThanOrEqualTo(1024);

    int flowPort = freePort();
    served.processes.add(
        new ProcessBuilder("python3", ATTACK.toString(), "flows-server", "" + flowPort)
            .redirectErrorStream(true)
            .redirectOutput(served.dir.resolve("flows-server.log").toFile())
            .start());
    waitForListener(flowPort);
    JsonNode flows =
        attack(
            Duration.ofSeconds(90),
            "flows-client",
            "192.168.127.254",
            "" + flowPort,
            "" + (MAX_FLOWS + 100),
            "2");
    JsonNode outcomes = flows.get("outcomes");
    assertThat(outcomes.path("connected").asInt()).isLessThanOrEqualTo(MAX_FLOWS);
    assertThat(
            outcomes.path("ConnectionResetError").asInt()
                + outcomes.path("ConnectionRefusedError").asInt())
        .as("refused past the cap: %s", outcomes)
        .isGreaterThanOrEqualTo(100);

    // the flood's connections close once its client has held them: until then the cap is (rightly)
    // full
    awaitServed(Duration.ofSeconds(30));
    JsonNode headers =
        attack(Duration.ofSeconds(60), "headers", "192.168.127.1", "2000000", "10", "64");
    // cut off at the head's limit (64 KiB): with a 431, or, when the guest is still sending as the
    // server
    // closes, with a reset that overtakes the answer (TCP's own rule for a close with unread data)
    assertThat(headers.get("sent_bytes").asLong()).as("%s", headers).isLessThan(1 << 20);
    assertThat(
            headers.get("answer").asText().startsWith("HTTP/1.1 431")
                || headers.get("send_error").asText().equals("ConnectionResetError"))
        .as("a 431 or a reset: %s", headers)
        .isTrue();

    JsonNode forwards =
        attack(
            Duration.ofSeconds(120),
            "forwards",
            "192.168.127.1",
            ServedNetwork.GUEST,
            "1030",
            "" + 30000);
    JsonNode answers = forwards.get("answers");
    assertThat(answers.path("200").asInt() + answers.path("403").asInt())
        .as("%s", answers)
        .isEqualTo(1030);
    assertThat(answers.path("403").asInt()).isGreaterThanOrEqualTo(6);
    assertThat(served.net.forwards().all())
        .hasSize(answers.path("200").asInt())
        .hasSizeLessThanOrEqualTo(1024);

    String all =
        served
            .guest
            .exec(
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://192.168.127.1/services/forwarder/all")
            .orFail()
            .stdout();
    assertThat(all).isEqualTo("200");
  }

  /** Waits until a plain request of the guest's to the gateway's API is answered again. */
  private void awaitServed(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String code =
          served
              .guest
              .exec(
                  "curl",
                  "-sS",
                  "-m",
                  "2",
                  "-o",
                  "/dev/null",
                  "-w",
                  "%{http_code}",
                  "http://192.168.127.1/services/forwarder/all")
              .stdout();
      if (code.equals("200")) {
        return;
      }
      assertThat(System.nanoTime())
          .as("the guest served again after its flood")
          .isLessThan(deadline);
      Thread.sleep(500);
    }
  }

  private static void waitForListener(int port) throws Exception {
    for (int i = 0; ; i++) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (java.io.IOException e) {
        if (i > 100) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
