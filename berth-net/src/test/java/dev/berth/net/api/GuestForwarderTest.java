package dev.berth.net.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.forward.Forward;
import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.log.LogRate;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.testing.LogCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder at the gateway as a hostile guest sees it: requests arrive on the guest API socket
 * behind the PROXY line the network writes for the guest at 192.168.127.2, exactly as from a real
 * guest's {@code curl http://192.168.127.1/services/forwarder/expose}.
 */
class GuestForwarderTest {

  private static final String GUEST = "192.168.127.2";
  private static final GuestForwardPolicy LOOPBACK_ONLY =
      GuestForwardPolicy.loopbackOnly(
          "berth set --publish-all-addresses m", "berth set --publish-privileged-ports m");

  @TempDir Path dir;
  private VirtualNetwork net;
  private ApiServer guestApi;

  @BeforeEach
  void start() throws IOException {
    net = VirtualNetwork.start(NetworkConfig.gvproxyDefaults());
    guestApi = serve(LOOPBACK_ONLY);
  }

  @AfterEach
  void stop() {
    guestApi.close();
    net.close();
  }

  private ApiServer serve(GuestForwardPolicy policy) throws IOException {
    return ApiServer.start(
        dir.resolve("guest-" + System.nanoTime() + ".sock"),
        new ApiRoutes(net, ApiRoutes.Scope.GUEST, policy));
  }

  @Test
  void aGuestCannotTurnAHostFileIntoASocket() throws Exception {
    Path victim = Files.writeString(dir.resolve("known_hosts"), "pinned key\n");
    String body =
        "{\"local\":\""
            + victim
            + "\",\"remote\":\"tcp://"
            + GUEST
            + ":22\",\"protocol\":\"unix\"}";
    assertThat(post(guestApi, "expose", body))
        .startsWith("HTTP/1.1 403 ")
        .contains("guests cannot make unix forwards");
    assertThat(Files.isRegularFile(victim, LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.readString(victim)).isEqualTo("pinned key\n");
    String npipe = body.replace("\"unix\"", "\"npipe\"");
    assertThat(post(guestApi, "expose", npipe)).startsWith("HTTP/1.1 403 ");
    assertThat(net.forwards().all()).isEmpty();
  }

  @Test
  void aGuestPublishesOnLoopbackByDefault() throws Exception {
    int port = freePort();
    assertThat(post(guestApi, "expose", expose(":" + port, ":8080", "tcp")))
        .startsWith("HTTP/1.1 200 ");
    assertThat(net.forwards().all())
        .containsExactly(new Forward(":" + port, GUEST + ":8080", "tcp", "podman"));
    assertThat(net.forwards().listenAddresses("tcp", ":" + port))
        .first()
        .isEqualTo(new InetSocketAddress("127.0.0.1", port));
    assertThat(net.forwards().listenAddresses("tcp", ":" + port))
        .allMatch(a -> a.getAddress().isLoopbackAddress());
    int other = freePort();
    assertThat(post(guestApi, "expose", expose("127.0.0.1:" + other, ":8080", "udp")))
        .startsWith("HTTP/1.1 200 ");
    assertThat(net.forwards().listenAddresses("udp", "127.0.0.1:" + other))
        .first()
        .isEqualTo(new InetSocketAddress("127.0.0.1", other));
  }

  @Test
  void aRefusalIsLoggedWithTheGuestsControlCharactersEscapedAndItsTextBounded() throws Exception {
    String forged =
        "x\\nWARN dev.berth.net.api.ApiServer - forged" + "y".repeat(5000) + ":" + freePort();
    List<String> lines =
        LogCapture.linesDuring(
            () ->
                assertThat(post(guestApi, "expose", expose(forged, ":80", "tcp")))
                    .startsWith("HTTP/1.1 403 ")
                    .contains("not a name"));
    assertThat(lines)
        .filteredOn(l -> l.contains("refused a GUEST request"))
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l).contains("x\\u000aWARN").contains("more characters)");
              assertThat(l.length()).isLessThan(600);
            });
    assertThat(lines).noneMatch(l -> l.startsWith("WARN dev.berth.net.api.ApiServer - forged"));
  }

  @Test
  void aGuestMakingAndRemovingForwardsInALoopLogsAtABoundedRate() throws Exception {
    int port = freePort();
    List<String> lines =
        LogCapture.linesDuring(
            () -> {
              for (int i = 0; i < 30; i++) {
                assertThat(post(guestApi, "expose", expose(":" + port, ":80", "tcp")))
                    .startsWith("HTTP/1.1 200 ");
                assertThat(
                        post(
                            guestApi,
                            "unexpose",
                            "{\"local\":\":" + port + "\",\"protocol\":\"tcp\"}"))
                    .startsWith("HTTP/1.1 200 ");
              }
            });
    assertThat(lines)
        .filteredOn(l -> l.contains("for the guest"))
        .hasSize(LogRate.LINES_PER_MINUTE);
  }

  @Test
  void everyAddressNeedsTheUsersSettingAndTheRefusalNamesIt() throws Exception {
    int port = freePort();
    String response = post(guestApi, "expose", expose("0.0.0.0:" + port, ":80", "tcp"));
    assertThat(response)
        .startsWith("HTTP/1.1 403 ")
        .contains("loopback only")
        .contains("berth set --publish-all-addresses m");
    assertThat(net.forwards().all()).isEmpty();

    try (ApiServer open = serve(new GuestForwardPolicy(true, false, 10, "x", "y"))) {
      assertThat(post(open, "expose", expose("0.0.0.0:" + port, ":80", "tcp")))
          .startsWith("HTTP/1.1 200 ");
    }
  }

  @Test
  void privilegedPortsNeedTheUsersSetting() throws Exception {
    assertThat(post(guestApi, "expose", expose("127.0.0.1:80", ":80", "tcp")))
        .startsWith("HTTP/1.1 403 ")
        .contains("berth set --publish-privileged-ports m");
  }

  @Test
  void aGuestNamesNoHostToResolveAndForwardsOnlyToItself() throws Exception {
    int port = freePort();
    assertThat(post(guestApi, "expose", expose("localhost:" + port, ":80", "tcp")))
        .startsWith("HTTP/1.1 403 ")
        .contains("not a name");
    // The host alias .254 is the host's own loopback: a forward there would publish a host service.
    assertThat(post(guestApi, "expose", expose(":" + port, "192.168.127.254:5432", "tcp")))
        .startsWith("HTTP/1.1 403 ")
        .contains("only to its own address");
    assertThat(post(guestApi, "expose", expose(":" + port, "example.invalid:80", "tcp")))
        .startsWith("HTTP/1.1 500 ")
        .contains("invalid remote addr");
    assertThat(post(guestApi, "expose", expose("999.1.1.1:" + port, ":80", "tcp")))
        .startsWith("HTTP/1.1 403 ");
    assertThat(net.forwards().all()).isEmpty();
  }

  @Test
  void aPortAHostServiceHoldsOnAnyAddressIsNotTaken() throws Exception {
    try (ServerSocket ipv6Only = new ServerSocket()) {
      ipv6Only.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
      int port = ipv6Only.getLocalPort();
      assertThat(post(guestApi, "expose", expose("127.0.0.1:" + port, ":80", "tcp")))
          .startsWith("HTTP/1.1 403 ")
          .contains("already in use on the host");
    }
    try (ServerSocket wildcard = new ServerSocket()) {
      wildcard.setReuseAddress(true);
      wildcard.bind(new InetSocketAddress(0));
      int port = wildcard.getLocalPort();
      assertThat(post(guestApi, "expose", expose(":" + port, ":80", "tcp")))
          .startsWith("HTTP/1.1 403 ")
          .contains("already in use on the host");
    }
    assertThat(net.forwards().all()).isEmpty();
  }

  @Test
  void aGuestRemovesOnlyTheForwardsItMade() throws Exception {
    int ssh = freePort();
    net.forwards().expose("tcp", "127.0.0.1:" + ssh, GUEST + ":22");
    String unexpose = "{\"local\":\"127.0.0.1:" + ssh + "\",\"protocol\":\"tcp\"}";
    assertThat(post(guestApi, "unexpose", unexpose))
        .startsWith("HTTP/1.1 403 ")
        .contains("made on the host");
    assertThat(net.forwards().all())
        .containsExactly(new Forward("127.0.0.1:" + ssh, GUEST + ":22", "tcp", "host"));

    int published = freePort();
    assertThat(post(guestApi, "expose", expose(":" + published, ":80", "tcp")))
        .startsWith("HTTP/1.1 200 ");
    assertThat(
            post(guestApi, "unexpose", "{\"local\":\":" + published + "\",\"protocol\":\"tcp\"}"))
        .startsWith("HTTP/1.1 200 ");
    assertThat(net.forwards().all()).hasSize(1);
  }

  @Test
  void aGuestHoldsAtMostItsShareOfForwards() throws Exception {
    try (ApiServer capped = serve(new GuestForwardPolicy(false, false, 2, "x", "y"))) {
      assertThat(post(capped, "expose", expose(":" + freePort(), ":80", "tcp")))
          .startsWith("HTTP/1.1 200 ");
      assertThat(post(capped, "expose", expose(":" + freePort(), ":81", "tcp")))
          .startsWith("HTTP/1.1 200 ");
      assertThat(post(capped, "expose", expose(":" + freePort(), ":82", "tcp")))
          .startsWith("HTTP/1.1 403 ")
          .contains("the most it may (2)");
    }
    assertThat(net.forwards().all()).hasSize(2);
  }

  @Test
  void endlessHeadersAreCutOffAndTheForwarderStillServes() throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(guestApi.socket()));
      StringBuilder head =
          new StringBuilder(
              "PROXY TCP4 "
                  + GUEST
                  + " 192.168.127.1 40000 80\r\n"
                  + "GET /services/forwarder/all HTTP/1.1\r\n");
      for (int i = 0; i <= HttpConnection.MAX_HEADER_LINES; i++) {
        head.append("X-Same: a\r\n");
      }
      ch.write(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer response = ByteBuffer.allocate(4096);
      while (ch.read(response) > 0) {
        // until the server closes
      }
      assertThat(new String(response.array(), 0, response.position(), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 431 ");
    }
    assertThat(post(guestApi, "expose", expose(":" + freePort(), ":80", "tcp")))
        .startsWith("HTTP/1.1 200 ");
  }

  private static String expose(String local, String remote, String protocol) {
    return "{\"local\":\""
        + local
        + "\",\"remote\":\""
        + remote
        + "\",\"protocol\":\""
        + protocol
        + "\"}";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** One request on a new connection, as the network delivers a guest's: PROXY line first. */
  private static String post(ApiServer api, String route, String json) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(api.socket()));
      String request =
          "PROXY TCP4 "
              + GUEST
              + " 192.168.127.1 40000 80\r\n"
              + "POST /services/forwarder/"
              + route
              + " HTTP/1.1\r\n"
              + "Host: gateway.containers.internal\r\n"
              + "Content-Length: "
              + json.length()
              + "\r\n"
              + "Connection: close\r\n\r\n"
              + json;
      ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      ByteBuffer response = ByteBuffer.allocate(8192);
      while (ch.read(response) > 0) {
        // until the server closes
      }
      return new String(response.array(), 0, response.position(), StandardCharsets.UTF_8);
    }
  }
}
