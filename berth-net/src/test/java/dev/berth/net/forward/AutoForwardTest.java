package dev.berth.net.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.stack.EventLoop;
import dev.berth.net.stack.Gateway;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Automatic forwards of ports a guest program listens on: they take a free host port only, and any
 * other forward of the port takes precedence. The host's ports are probed for real.
 */
class AutoForwardTest {

  private static final String GUEST = "192.168.127.2";
  private static final GuestForwardPolicy POLICY = GuestForwardPolicy.loopbackOnly("x", "y");

  private EventLoop loop;
  private PortForwards forwards;
  private Inet4Address guest;

  @BeforeEach
  void start() throws IOException {
    loop = new EventLoop("auto-forward-test");
    Gateway gateway = new Gateway(loop, NetworkConfig.gvproxyDefaults());
    loop.start(gateway);
    forwards = new PortForwards(loop, gateway, new ForwardListeners(false), HostPortProbe::held);
    guest = (Inet4Address) InetAddress.getByName(GUEST);
  }

  @AfterEach
  void stop() {
    forwards.close();
    loop.close();
  }

  @Test
  void aFreePortIsForwardedOnLoopbackUntilTheGuestStopsListening() throws Exception {
    int port = freePort();
    assertThat(forwards.exposeAuto("tcp", port, guest))
        .isEqualTo(PortForwards.AutoOutcome.FORWARDED);
    assertThat(forwards.exposeAuto("udp", port, guest))
        .isEqualTo(PortForwards.AutoOutcome.FORWARDED);
    assertThat(forwards.all())
        .containsExactly(
            new Forward("127.0.0.1:" + port, GUEST + ":" + port, "tcp", "auto"),
            new Forward("127.0.0.1:" + port, GUEST + ":" + port, "udp", "auto"));
    assertThat(portIsFree(port)).isFalse();

    forwards.unexposeAuto("tcp", port);
    forwards.unexposeAuto("udp", port);
    assertThat(forwards.all()).isEmpty();
    assertThat(portIsFree(port)).isTrue();
  }

  @Test
  void aPortAHostProgramHoldsOnAnyAddressIsSkipped() throws Exception {
    try (ServerSocket hostService = new ServerSocket()) {
      hostService.bind(new InetSocketAddress("0.0.0.0", 0));
      int port = hostService.getLocalPort();
      assertThat(forwards.exposeAuto("tcp", port, guest))
          .isEqualTo(PortForwards.AutoOutcome.HOST_PORT_TAKEN);
    }
    try (DatagramSocket hostService = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      assertThat(forwards.exposeAuto("udp", hostService.getLocalPort(), guest))
          .isEqualTo(PortForwards.AutoOutcome.HOST_PORT_TAKEN);
    }
    assertThat(forwards.all()).isEmpty();
  }

  @Test
  void aPortAnotherForwardHoldsIsLeftToIt() throws Exception {
    int ssh = freePort();
    forwards.expose("tcp", "127.0.0.1:" + ssh, GUEST + ":22", PortForwards.Origin.SSH);
    int published = freePort();
    forwards.exposeForGuest(POLICY, "tcp", ":" + published, GUEST + ":" + published, guest);

    assertThat(forwards.exposeAuto("tcp", ssh, guest))
        .isEqualTo(PortForwards.AutoOutcome.FORWARDED_ALREADY);
    assertThat(forwards.exposeAuto("tcp", published, guest))
        .isEqualTo(PortForwards.AutoOutcome.FORWARDED_ALREADY);
    forwards.unexposeAuto("tcp", published);
    assertThat(forwards.all())
        .extracting(Forward::origin)
        .containsExactlyInAnyOrder("ssh", "podman");
  }

  @Test
  void podmansPublishOfAPortTheAutomaticForwardHoldsTakesItOver() throws Exception {
    int port = freePort();
    forwards.exposeAuto("tcp", port, guest);

    forwards.exposeForGuest(POLICY, "tcp", ":" + port, GUEST + ":" + port, guest);

    assertThat(forwards.all())
        .containsExactly(new Forward(":" + port, GUEST + ":" + port, "tcp", "podman"));
    forwards.unexposeAuto("tcp", port); // the guest's socket goes: podman's forward stays
    assertThat(forwards.all()).hasSize(1);
  }

  @Test
  void aForwardMadeOnTheHostTakesOverTheAutomaticOneToo() throws Exception {
    int port = freePort();
    forwards.exposeAuto("udp", port, guest);

    forwards.expose("udp", "127.0.0.1:" + port, GUEST + ":53");

    assertThat(forwards.all())
        .containsExactly(new Forward("127.0.0.1:" + port, GUEST + ":53", "udp", "host"));
  }

  @Test
  void theGuestCannotRemoveAnAutomaticForwardThroughTheForwarder() throws Exception {
    int port = freePort();
    forwards.exposeAuto("tcp", port, guest);
    assertThatThrownBy(() -> forwards.unexposeForGuest("tcp", "127.0.0.1:" + port))
        .isInstanceOf(ForwardException.Refused.class);
    assertThat(forwards.all()).hasSize(1);
  }

  private static boolean portIsFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
