package dev.berth.net.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.forward.Forward;
import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.network.VirtualNetwork;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 malformed or random requests to gvproxy's HTTP API, on the host's scope and on the
 * guest's (behind the PROXY line the network writes): no crash, no thread or memory kept for them,
 * and correct requests still served after.
 */
class ApiFuzzIT {

  private static final int REQUESTS = 100_000;
  private static final String GUEST = "192.168.127.2";

  @TempDir Path dir;

  @Test
  void survivesAHundredThousandBadRequestsOnBothScopes() throws Exception {
    try (VirtualNetwork net = VirtualNetwork.start(NetworkConfig.gvproxyDefaults());
        ApiServer host = ApiServer.start(net, ApiRoutes.Scope.SERVICES, dir.resolve("host.sock"));
        ApiServer guest =
            ApiServer.start(
                dir.resolve("guest.sock"),
                new ApiRoutes(
                    net,
                    ApiRoutes.Scope.GUEST,
                    GuestForwardPolicy.loopbackOnly("allow-any", "allow-privileged")))) {
      int threadsBefore = Thread.activeCount();
      long heapBefore = usedHeapAfterGc();
      Random random = new Random(20261202);
      int sent = 0;
      while (sent < REQUESTS) {
        boolean guestScope = random.nextBoolean();
        int onThisConnection = 1 + random.nextInt(50);
        sent += fuzzOneConnection(guestScope ? guest : host, guestScope, random, onThisConnection);
      }
      // Whatever random requests published is withdrawn through the host's API, as a user would.
      for (Forward f : net.forwards().all()) {
        net.forwards().unexpose(f.protocol(), f.local());
      }
      assertThat(net.forwards().all()).isEmpty();

      int port = freePort();
      assertThat(
              request(
                  host,
                  false,
                  post(
                      "expose",
                      "{\"local\":\"127.0.0.1:" + port + "\",\"remote\":\"" + GUEST + ":80\"}")))
          .startsWith("HTTP/1.1 200 ");
      assertThat(
              request(
                  guest,
                  true,
                  "GET /services/forwarder/all HTTP/1.1\r\nHost: g\r\n"
                      + "Connection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 200 ")
          .contains("127.0.0.1:" + port);
      assertThat(
              request(host, false, "GET /stats HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 200 ");

      // Each server keeps at most its pool of idle workers, whatever it was sent.
      assertThat(Thread.activeCount())
          .as("threads after the fuzz")
          .isLessThanOrEqualTo(threadsBefore + 2 * ApiServer.MAX_CONNECTIONS);
      assertThat(usedHeapAfterGc() - heapBefore)
          .as("heap kept after the fuzz")
          .isLessThan(32L << 20);
    }
  }

  /** Sends up to {@code count} requests on one connection; returns how many were sent. */
  private static int fuzzOneConnection(ApiServer api, boolean guestScope, Random random, int count)
      throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(api.socket()));
      if (guestScope && random.nextInt(20) != 0) {
        ch.write(
            ascii(
                "PROXY TCP4 "
                    + GUEST
                    + " 192.168.127.1 "
                    + (30000 + random.nextInt(30000))
                    + " 80\r\n"));
      }
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < count; i++) {
        all.append(randomRequest(random));
      }
      try {
        ch.write(ascii(all.toString()));
        ch.shutdownOutput();
        drain(ch);
      } catch (IOException e) {
        // The server may close a connection it judged bad before reading all of it.
      }
      return count;
    }
  }

  private static final List<String> PATHS =
      List.of(
          "/services/forwarder/expose",
          "/services/forwarder/unexpose",
          "/services/forwarder/all",
          "/services/dns/add",
          "/services/dns/all",
          "/stats",
          "/leases",
          "/connect",
          "/",
          "/%00",
          "/services/forwarder/expose?x=" + "a".repeat(300));
  private static final List<String> BODIES =
      List.of(
          "{\"local\":\":%d\",\"remote\":\":80\",\"protocol\":\"tcp\"}",
          "{\"local\":\"127.0.0.1:%d\",\"remote\":\"" + GUEST + ":80\",\"protocol\":\"udp\"}",
          "{\"local\":\"0.0.0.0:%d\",\"remote\":\":22\"}",
          "{\"local\":\"localhost:%d\",\"remote\":\":22\"}",
          "{\"local\":\"[::1]:%d\",\"remote\":\":22\"}",
          "{\"local\":\"127.0.0.1:%d\",\"remote\":\"192.168.127.254:22\"}",
          "{\"local\":\"127.0.0.1:%d\",\"protocol\":\"sctp\"}",
          "{\"Name\":\"z%d.\",\"Records\":[{\"Name\":\"a\",\"IP\":\"192.168.127.9\"}]}",
          "{\"local\":%d}",
          "[%d]",
          "%d",
          "{\"local\":\"\\u0000\\u001b[2J:%d\"}",
          "{{{{%d");

  private static String randomRequest(Random random) {
    String method =
        switch (random.nextInt(6)) {
          case 0 -> "GET";
          case 1, 2, 3 -> "POST";
          case 4 -> "DELETE";
          default -> randomText(random, 1 + random.nextInt(8));
        };
    String path = PATHS.get(random.nextInt(PATHS.size()));
    String body =
        String.format(BODIES.get(random.nextInt(BODIES.size())), 20000 + random.nextInt(40000));
    if (random.nextInt(4) == 0) {
      body = mutate(random, body);
    }
    StringBuilder r =
        new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: gateway\r\n");
    int extraHeaders = random.nextInt(4) == 0 ? random.nextInt(150) : 0;
    for (int i = 0; i < extraHeaders; i++) {
      r.append("X-")
          .append(i)
          .append(": ")
          .append(randomText(random, random.nextInt(40)))
          .append("\r\n");
    }
    switch (random.nextInt(12)) {
      case 0 -> r.append("Content-Length: ").append(-random.nextInt(100)).append("\r\n");
      case 1 -> r.append("Content-Length: 99999999999\r\n");
      case 2 -> r.append("Transfer-Encoding: chunked\r\n");
      case 3 -> r.append("Content-Length: x\r\n");
      case 4 -> r.append("Bad header line without a colon\r\n");
      default -> r.append("Content-Length: ").append(body.length()).append("\r\n");
    }
    String request = r.append("\r\n").append(body).toString();
    return random.nextInt(10) == 0
        ? request.substring(0, random.nextInt(request.length()))
        : request;
  }

  private static String mutate(Random random, String s) {
    char[] c = s.toCharArray();
    for (int i = 0; i < 1 + random.nextInt(4); i++) {
      c[random.nextInt(c.length)] = (char) (random.nextInt(128));
    }
    return new String(c);
  }

  private static String randomText(Random random, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append((char) (0x21 + random.nextInt(0x5e)));
    }
    return s.toString();
  }

  private static String post(String route, String json) {
    return "POST /services/forwarder/"
        + route
        + " HTTP/1.1\r\nHost: g\r\nContent-Length: "
        + json.length()
        + "\r\nConnection: close\r\n\r\n"
        + json;
  }

  private static String request(ApiServer api, boolean guestScope, String request)
      throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(api.socket()));
      String proxy = guestScope ? "PROXY TCP4 " + GUEST + " 192.168.127.1 40000 80\r\n" : "";
      ch.write(ascii(proxy + request));
      return drain(ch);
    }
  }

  private static String drain(SocketChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    StringBuilder out = new StringBuilder();
    try {
      int n;
      while ((n = ch.read(buf)) > 0) {
        out.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
        buf.clear();
      }
    } catch (SocketTimeoutException e) {
      // the server keeps a connection open only for its own timeout
    }
    return out.toString();
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
