package dev.berth.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.net.api.ApiServer;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.forward.Forward;
import dev.berth.net.forward.ForwardException;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.testing.NetnsGuest;
import dev.berth.net.testing.ServedNetwork;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Port forwarding and the gvproxy-compatible API against the Linux kernel in a network namespace:
 * the namespace plays the guest (192.168.127.2) with echo servers on {@link #TCP_ECHO} and {@link
 * #UDP_ECHO}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForwardingIT {

  private static final int TCP_ECHO = 7000;
  private static final int UDP_ECHO = 7001;
  private static final String GUEST = "192.168.127.2";

  private ServedNetwork served;
  private Path dir;
  private VirtualNetwork net;
  private NetnsGuest guest;
  private ApiServer hostApi;
  private List<Process> servers;

  @BeforeAll
  void start() throws Exception {
    served = ServedNetwork.start(NetworkConfig.gvproxyDefaults());
    dir = served.dir;
    net = served.net;
    guest = served.guest;
    hostApi = served.hostApi;
    servers = served.processes;
    servers.add(
        guest.startInBackground(
            NetnsGuest.guestToolCommand("echo-server", "0.0.0.0", "" + TCP_ECHO)));
    servers.add(
        guest.startInBackground(
            NetnsGuest.guestToolCommand("udp-echo-server", "0.0.0.0", "" + UDP_ECHO)));
    waitForGuestPort(TCP_ECHO);
  }

  private void waitForGuestPort(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (guest.exec("sh", "-c", "ss -ltn | grep -q ':" + port + " '").exitCode() != 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the guest's echo server did not start");
      }
      Thread.sleep(100);
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (served != null) {
      served.close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private String expose(String protocol, int guestPort) throws Exception {
    String local = "127.0.0.1:" + freePort();
    net.forwards().expose(protocol, local, GUEST + ":" + guestPort);
    return local;
  }

  private static InetSocketAddress address(String local) {
    int colon = local.lastIndexOf(':');
    return new InetSocketAddress(
        local.substring(0, colon), Integer.parseInt(local.substring(colon + 1)));
  }

  @Test
  void aGigabyteThroughAForwardArrivesIntact() throws Exception {
    String local = expose("tcp", TCP_ECHO);
    long total = 1L << 30;
    try (Socket s = new Socket()) {
      s.connect(address(local), 10_000);
      CompletableFuture<byte[]> sent =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  MessageDigest md = MessageDigest.getInstance("SHA-256");
                  Random random = new Random(7);
                  byte[] chunk = new byte[1 << 16];
                  OutputStream out = s.getOutputStream();
                  for (long done = 0; done < total; done += chunk.length) {
                    random.nextBytes(chunk);
                    md.update(chunk);
                    out.write(chunk);
                  }
                  s.shutdownOutput();
                  return md.digest();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      InputStream in = s.getInputStream();
      byte[] buf = new byte[1 << 16];
      long received = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
        received += n;
      }
      assertThat(received).isEqualTo(total);
      assertThat(md.digest()).isEqualTo(sent.get());
    } finally {
      net.forwards().unexpose("tcp", local);
    }
  }

  @Test
  void aThousandConcurrentConnectionsThroughOneForwardEchoEveryByte() throws Exception {
    String local = expose("tcp", TCP_ECHO);
    int connections = 1000;
    int bytes = 16 * 1024;
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        Socket s = new Socket();
        s.connect(address(local), 10_000);
        s.setSoTimeout(60_000);
        sockets.add(s);
      }
      for (int i = 0; i < connections; i++) {
        sockets.get(i).getOutputStream().write(payload(i, bytes));
      }
      for (int i = 0; i < connections; i++) {
        byte[] echoed = sockets.get(i).getInputStream().readNBytes(bytes);
        assertThat(echoed).as("connection %d", i).isEqualTo(payload(i, bytes));
      }
      assertThat(net.stats().tcpFlows()).isGreaterThanOrEqualTo(connections);
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
      net.forwards().unexpose("tcp", local);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (net.stats().tcpFlows() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(net.stats().tcpFlows()).as("flows left after the connections closed").isZero();
  }

  private static byte[] payload(int seed, int bytes) {
    byte[] b = new byte[bytes];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void udpDatagramsGoThroughAForwardAndBack() throws Exception {
    String local = expose("udp", UDP_ECHO);
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      socket.setSoTimeout(2000);
      socket.connect(address(local));
      int answered = 0;
      for (int i = 0; i < 200; i++) {
        byte[] data = payload(i, 1 + (i * 37) % 1400);
        socket.send(new DatagramPacket(data, data.length));
        byte[] buf = new byte[2048];
        DatagramPacket reply = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(reply);
        } catch (java.net.SocketTimeoutException e) {
          continue;
        }
        assertThat(Arrays.copyOf(buf, reply.getLength())).isEqualTo(data);
        answered++;
      }
      // UDP may lose a datagram; the loopback path and the namespace should lose almost none.
      assertThat(answered).isGreaterThanOrEqualTo(195);
    } finally {
      net.forwards().unexpose("udp", local);
    }
  }

  @Test
  void unexposeFreesThePortAtOnce() throws Exception {
    String local = expose("tcp", TCP_ECHO);
    try (Socket s = new Socket()) {
      s.connect(address(local), 10_000);
    }
    net.forwards().unexpose("tcp", local);
    assertThat(net.forwards().all()).extracting(Forward::local).doesNotContain(local);
    try (ServerSocket again = new ServerSocket()) {
      again.bind(address(local));
      assertThat(again.isBound()).isTrue();
    }
  }

  @Test
  void aUnixSocketForwardReachesTheGuest() throws Exception {
    Path socket = dir.resolve("fwd.sock");
    net.forwards().expose("unix", socket.toString(), "tcp://" + GUEST + ":" + TCP_ECHO);
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      assertThat(Files.getPosixFilePermissions(socket))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      ch.write(ByteBuffer.wrap("hello over unix\n".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer back = ByteBuffer.allocate(16);
      while (back.hasRemaining() && ch.read(back) > 0) {
        // until the echo is complete
      }
      assertThat(new String(back.array(), StandardCharsets.US_ASCII))
          .isEqualTo("hello over unix\n");
    } finally {
      net.forwards().unexpose("unix", socket.toString());
    }
    assertThat(socket).doesNotExist();
  }

  @Test
  void forwardErrorsAreGvproxys() throws Exception {
    String local = expose("tcp", TCP_ECHO);
    try {
      assertThatThrownBy(() -> net.forwards().expose("tcp", local, GUEST + ":80"))
          .isInstanceOf(ForwardException.class)
          .hasMessage("proxy already running for tcp on " + local);
    } finally {
      net.forwards().unexpose("tcp", local);
    }
    assertThatThrownBy(() -> net.forwards().unexpose("tcp", local)).hasMessage("proxy not found");
    assertThatThrownBy(() -> net.forwards().expose("sctp", local, GUEST + ":80"))
        .hasMessage("unknown protocol sctp");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String busy = "127.0.0.1:" + taken.getLocalPort();
      assertThatThrownBy(() -> net.forwards().expose("tcp", busy, GUEST + ":80"))
          .hasMessage("listen tcp " + busy + ": bind: address already in use");
    }
    assertThat(net.forwards().all()).isEmpty();
  }

  // --- the HTTP API ---

  private String curl(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "curl",
                "-sS",
                "--unix-socket",
                hostApi.socket().toString(),
                "-w",
                "\n%{http_code}"));
    cmd.addAll(List.of(args));
    return NetnsGuest.host(cmd.toArray(String[]::new)).orFail().stdout();
  }

  @Test
  void theHostApiAnswersErrorsAsGvproxyDoes() throws Exception {
    assertThat(Files.getPosixFilePermissions(hostApi.socket()))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String base = "http://berth/services/forwarder/";
    assertThat(curl(base + "expose")).isEqualTo("post only\n\n400");
    assertThat(curl("-X", "POST", base + "expose")).isEqualTo("EOF\n\n400");
    assertThat(curl("-d", "{not json", base + "expose")).endsWith("\n400");
    assertThat(curl("-d", "{\"local\":\":1\",\"remote\":\"nocolon\"}", base + "expose"))
        .isEqualTo("address nocolon: missing port in address\n\n400");
    // Over a unix socket the caller has no address to fill in (Go reports "@").
    assertThat(curl("-d", "{\"local\":\":1\",\"remote\":\":80\"}", base + "expose"))
        .isEqualTo("address @: missing port in address\n\n400");
    assertThat(curl("-d", "{\"local\":\"127.0.0.1:1\",\"protocol\":\"tcp\"}", base + "unexpose"))
        .isEqualTo("proxy not found\n\n500");
    assertThat(curl("http://berth/nowhere")).isEqualTo("404 page not found\n\n404");
    assertThat(curl("http://berth/tunnel")).isEqualTo("ip is mandatory\n\n500");
    int port = freePort();
    String body =
        "{\"local\":\"127.0.0.1:"
            + port
            + "\",\"remote\":\""
            + GUEST
            + ":"
            + TCP_ECHO
            + "\",\"protocol\":\"tcp\"}";
    assertThat(curl("-d", body, base + "expose")).isEqualTo("\n200");
    assertThat(curl("-d", body, base + "expose"))
        .isEqualTo("proxy already running for tcp on 127.0.0.1:" + port + "\n\n500");
    assertThat(curl(base + "all"))
        .isEqualTo(
            "[{\"local\":\"127.0.0.1:"
                + port
                + "\",\"remote\":\""
                + GUEST
                + ":"
                + TCP_ECHO
                // gvproxy's three fields, then Berth's origin, which gvproxy's Go clients ignore
                + "\",\"protocol\":\"tcp\",\"origin\":\"host\"}]\n\n200");
    assertThat(curl("-d", "{\"local\":\"127.0.0.1:" + port + "\"}", base + "unexpose"))
        .isEqualTo("\n200");
    assertThat(curl(base + "all")).isEqualTo("[]\n\n200");
    assertThat(curl("http://berth/services/dhcp/leases"))
        .isEqualTo("{\"" + GUEST + "\":\"5a:94:ef:e4:0c:ee\"}\n\n200");
    assertThat(curl("http://berth/stats")).contains("\"BytesSent\":").endsWith("\n200");
  }

  @Test
  void aMalformedRequestGets400AndTheServiceStaysUp() throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(hostApi.socket()));
      ch.write(ByteBuffer.wrap("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
      assertThat(readAll(ch)).startsWith("HTTP/1.1 400 Bad Request\r\n");
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(hostApi.socket()));
      byte[] huge = new byte[64 * 1024];
      Arrays.fill(huge, (byte) 'a');
      ch.write(
          ByteBuffer.wrap(
              ("GET /" + new String(huge, StandardCharsets.US_ASCII))
                  .getBytes(StandardCharsets.US_ASCII)));
      assertThat(readAll(ch)).startsWith("HTTP/1.1 431 ");
    } catch (java.io.IOException e) {
      // The server may close before it read everything; it must still answer the next client.
    }
    assertThat(curl("http://berth/services/forwarder/all")).isEqualTo("[]\n\n200");
  }

  private static String readAll(SocketChannel ch) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(4096);
    while (ch.read(buf) > 0 && buf.hasRemaining()) {
      // until the server closes
    }
    return new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void theGuestCallsTheGatewayApiAsPodmanDoes() throws Exception {
    int port = freePort();
    // The request podman's libpod/networking_machine.go sends, as Go's HTTP client writes it.
    String json =
        "{\"local\":\"127.0.0.1:"
            + port
            + "\",\"remote\":\":"
            + TCP_ECHO
            + "\",\"protocol\":\"tcp\"}";
    String request =
        "POST /services/forwarder/expose HTTP/1.1\r\n"
            + "Host: gateway.containers.internal\r\n"
            + "User-Agent: Go-http-client/1.1\r\n"
            + "Content-Length: "
            + json.length()
            + "\r\n"
            + "Accept: application/json\r\n"
            + "Content-Type: application/json\r\n"
            + "Accept-Encoding: gzip\r\n"
            + "Connection: close\r\n"
            + "\r\n"
            + json;
    Path requestFile = dir.resolve("expose.http");
    Files.writeString(requestFile, request);
    String response =
        guest.exec("sh", "-c", "busybox nc 192.168.127.1 80 < " + requestFile).orFail().stdout();
    assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 0\r\n");
    // The remote without an IP took the caller's.
    assertThat(net.forwards().all())
        .contains(new Forward("127.0.0.1:" + port, GUEST + ":" + TCP_ECHO, "tcp", "podman"));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
      s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
          .isEqualTo("ping\n");
    }
    String all =
        guest.exec("curl", "-sS", "http://192.168.127.1/services/forwarder/all").orFail().stdout();
    assertThat(all).contains("\"remote\":\"" + GUEST + ":" + TCP_ECHO + "\"");
    // Inside the network only the forwarder is served.
    assertThat(
            guest
                .exec("curl", "-sS", "-w", "%{http_code}", "http://192.168.127.1/stats")
                .orFail()
                .stdout())
        .endsWith("404");
    String unexpose =
        guest
            .exec(
                "curl",
                "-sS",
                "-w",
                "%{http_code}",
                "-d",
                "{\"local\":\"127.0.0.1:" + port + "\",\"protocol\":\"tcp\"}",
                "http://192.168.127.1/services/forwarder/unexpose")
            .orFail()
            .stdout();
    assertThat(unexpose).isEqualTo("200");
    assertThat(net.forwards().all()).isEmpty();
  }

  @Test
  void aTunnelAnswersOkThenCarriesTheConnection() throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(hostApi.socket()));
      ch.write(
          ByteBuffer.wrap(
              ("POST /tunnel?ip="
                      + GUEST
                      + "&port="
                      + TCP_ECHO
                      + " HTTP/1.1\r\n"
                      + "Host: berth\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer ok = ByteBuffer.allocate(2);
      while (ok.hasRemaining() && ch.read(ok) > 0) {
        // exactly two bytes, no status line
      }
      assertThat(new String(ok.array(), StandardCharsets.US_ASCII)).isEqualTo("OK");
      ch.write(ByteBuffer.wrap("through the tunnel".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer back = ByteBuffer.allocate(18);
      while (back.hasRemaining() && ch.read(back) > 0) {
        // until the echo is complete
      }
      assertThat(new String(back.array(), StandardCharsets.US_ASCII))
          .isEqualTo("through the tunnel");
    }
  }

  @Test
  void dnsZonesAddedThroughTheApiAnswerInTheGuest() throws Exception {
    String zone =
        "{\"Name\":\"berth.test.\",\"Records\":[{\"Name\":\"db\",\"IP\":\"192.168.127.77\"}]}";
    assertThat(curl("-d", zone, "http://berth/services/dns/add")).isEqualTo("\n200");
    assertThat(curl("http://berth/services/dns/all")).contains("\"Name\":\"berth.test.\"");
    assertThat(
            guest.exec("busybox", "nslookup", "db.berth.test", "192.168.127.1").orFail().stdout())
        .contains("192.168.127.77");
    assertThat(
            curl(
                "-d",
                "{\"Name\":\"x.\",\"Records\":[{\"Name\":\"a\",\"IP\":\"not-an-ip\"}]}",
                "http://berth/services/dns/add"))
        .endsWith("\n400");
  }
}
