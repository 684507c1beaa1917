package dev.berth.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.testing.LoopbackServers;
import dev.berth.net.testing.NetnsGuest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * berth-net against the Linux kernel's own stack, in a network namespace attached through a TAP
 * relay, at the MTU {@link #mtu()} gives (podman's 1500 here; subclasses try others).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelGuestIT {

  private static final int BLOB_BYTES = 100 * 1024 * 1024;
  private static final String HOST_ALIAS = "192.168.127.254";

  private Path dir;
  private LoopbackServers servers;
  private HttpServer http;
  private byte[] blob;
  private String blobSha;
  private VirtualNetwork net;
  private NetnsGuest guest;
  private Map<String, String> lease;

  int mtu() {
    return 1500;
  }

  @BeforeAll
  void start() throws Exception {
    NetnsGuest.requireRoot();
    dir = Files.createTempDirectory("berth-net-it");
    servers = new LoopbackServers();
    blob = new byte[BLOB_BYTES];
    new Random(42).nextBytes(blob);
    blobSha = sha256(blob);
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    http.createContext(
        "/blob",
        ex -> {
          ex.sendResponseHeaders(200, blob.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(blob);
          }
        });
    http.createContext(
        "/upload",
        ex -> {
          String sha;
          try (InputStream in = ex.getRequestBody()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
              md.update(buf, 0, n);
            }
            sha = HexFormat.of().formatHex(md.digest());
          } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
          byte[] body = sha.getBytes(StandardCharsets.US_ASCII);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    net =
        VirtualNetwork.start(
            NetworkConfig.gvproxyDefaults()
                .withMtu(mtu())
                .withDnsUpstream(servers.dnsAddress())
                .withOutboundAllowed(a -> a.getAddress().isLoopbackAddress()));
    Path socket = dir.resolve("net.sock");
    net.listenUnix(socket, Framing.QEMU);
    guest = new NetnsGuest(socket, mtu());
    lease = guest.dhcp();
  }

  @AfterAll
  void stop() throws Exception {
    if (guest != null) {
      guest.close();
    }
    if (net != null) {
      net.close();
    }
    if (http != null) {
      http.stop(0);
    }
    if (servers != null) {
      servers.close();
    }
    if (dir != null) {
      Files.deleteIfExists(dir.resolve("upload.bin"));
      Files.deleteIfExists(dir);
    }
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  @Test
  void dhcpGivesTheStaticLeaseTheRouteAndTheDnsServer() throws Exception {
    assertThat(lease)
        .containsEntry("ip", "192.168.127.2")
        .containsEntry("router", "192.168.127.1")
        .containsEntry("dns", "192.168.127.1")
        .containsEntry("mtu", Integer.toString(mtu()));
    assertThat(guest.exec("ip", "route", "show", "default").orFail().stdout())
        .contains("via 192.168.127.1 dev tap0");
    assertThat(guest.exec("ip", "-4", "addr", "show", "tap0").orFail().stdout())
        .contains("192.168.127.2/24");
  }

  @Test
  void theGatewayAnswersPing() throws Exception {
    String out =
        guest.exec("busybox", "ping", "-c", "3", "-W", "2", "192.168.127.1").orFail().stdout();
    assertThat(out).contains("3 packets received");
  }

  @Test
  void localNamesAndNamesOfTheHostResolverResolve() throws Exception {
    assertThat(
            guest
                .exec("busybox", "nslookup", "host.containers.internal", "192.168.127.1")
                .orFail()
                .stdout())
        .contains(HOST_ALIAS);
    assertThat(
            guest
                .exec("busybox", "nslookup", "gateway.docker.internal", "192.168.127.1")
                .orFail()
                .stdout())
        .contains("192.168.127.1");
    assertThat(
            guest.exec("busybox", "nslookup", "db.berth.test", "192.168.127.1").orFail().stdout())
        .contains("10.1.2.3");
  }

  @Test
  void namesResolveOverTcpPipelinedOnOneConnection() throws Exception {
    String out =
        guestTool(
                "dns-tcp",
                "192.168.127.1",
                "53",
                "host.containers.internal",
                "gateway.docker.internal",
                "db.berth.test",
                "big.berth.test")
            .stdout();
    assertThat(out.lines())
        .contains(
            "host.containers.internal " + HOST_ALIAS,
            "gateway.docker.internal 192.168.127.1",
            "db.berth.test 10.1.2.3");
    // More than 512 bytes of answer: TCP carries it whole.
    assertThat(
            out.lines()
                .filter(l -> l.startsWith("big.berth.test "))
                .findFirst()
                .orElseThrow()
                .split(" "))
        .hasSize(1 + LoopbackServers.BIG_ANSWER_RECORDS);
  }

  @Test
  void aHundredMegabytesFromAHostHttpServerArriveIntact() throws Exception {
    String out =
        guest
            .exec(
                "sh",
                "-c",
                "curl -sS --fail http://"
                    + HOST_ALIAS
                    + ":"
                    + http.getAddress().getPort()
                    + "/blob | sha256sum")
            .orFail()
            .stdout();
    assertThat(out).startsWith(blobSha);
  }

  @Test
  void aHundredMegabytesToAHostHttpServerArriveIntact() throws Exception {
    Path file = dir.resolve("upload.bin");
    Files.write(file, blob);
    String out =
        guest
            .exec(
                "curl",
                "-sS",
                "--fail",
                "-T",
                file.toString(),
                "http://" + HOST_ALIAS + ":" + http.getAddress().getPort() + "/upload")
            .orFail()
            .stdout();
    Files.delete(file);
    assertThat(out).isEqualTo(blobSha);
  }

  @Test
  void twoHundredConcurrentConnectionsEchoEveryByte() throws Exception {
    assertThat(twoHundredEchoes(guest)).startsWith("ok 200 connections");
    // Closed connections leave the table once TIME-WAIT is over: nothing leaks.
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (net.stats().tcpFlows() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(net.stats().tcpFlows()).isZero();
  }

  @Test
  void twoHundredEchoesThroughTheSmallestBufferBudgetEchoEveryByte() throws Exception {
    // Two buffers each way for two hundred connections: those beyond wait with a closed window
    // and are told when room comes. (Room promised without a buffer behind it dropped the guest's
    // bytes, and its doubling retransmission timeout stalled a connection past a minute.)
    NetworkConfig config =
        NetworkConfig.gvproxyDefaults()
            .withMtu(mtu())
            .withOutboundAllowed(a -> a.getAddress().isLoopbackAddress());
    Path socket = dir.resolve("tight.sock");
    try (VirtualNetwork tight =
        VirtualNetwork.start(config.withTcpBufferBudget(4L * config.tcpBufferBytes()))) {
      tight.listenUnix(socket, Framing.QEMU);
      NetnsGuest other = new NetnsGuest(socket, mtu());
      try {
        other.dhcp();
        assertThat(twoHundredEchoes(other)).startsWith("ok 200 connections");
      } finally {
        other.close();
      }
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  @Test
  void aHostPortWithoutListenerIsRefused() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertThat(guestTool("refused", HOST_ALIAS, Integer.toString(closed)).stdout())
        .contains("Connection refused");
    NetnsGuest.Result curl = guest.exec("curl", "-sS", "http://" + HOST_ALIAS + ":" + closed + "/");
    assertThat(curl.exitCode()).isEqualTo(7);
    assertThat(curl.stderr()).contains("Failed to connect");
  }

  @Test
  void udpDatagramsGoToTheHostAndBack() throws Exception {
    assertThat(
            guestTool("udp", HOST_ALIAS, Integer.toString(servers.udpEchoPort()), "500").stdout())
        .startsWith("ok 500 datagrams");
  }

  /** 200 connections from {@code from}, each echoing 256 KiB off the host's echo server. */
  private String twoHundredEchoes(NetnsGuest from) throws Exception {
    return from.guestTool(
            Duration.ofMinutes(3),
            "echo",
            HOST_ALIAS,
            Integer.toString(servers.tcpEchoPort()),
            "200",
            "262144")
        .stdout();
  }

  private NetnsGuest.Result guestTool(String... args) throws Exception {
    return guest.guestTool(Duration.ofMinutes(3), args);
  }
}
