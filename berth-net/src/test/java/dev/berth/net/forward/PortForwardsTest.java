package dev.berth.net.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.stack.EventLoop;
import dev.berth.net.stack.Gateway;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The host side of forwards: where they listen, who they serve, and the lock the port probe runs
 * outside.
 */
class PortForwardsTest {

  private static final String GUEST = "192.168.127.2";
  private static final GuestForwardPolicy POLICY = GuestForwardPolicy.loopbackOnly("x", "y");

  private EventLoop loop;
  private Gateway gateway;
  private final List<PortForwards> made = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    loop = new EventLoop("forwards-test");
    gateway = new Gateway(loop, NetworkConfig.gvproxyDefaults());
    loop.start(gateway);
  }

  @AfterEach
  void stop() {
    made.forEach(PortForwards::close);
    loop.close();
  }

  private PortForwards forwards(ForwardListeners listeners, PortForwards.PortProbe probe) {
    PortForwards f = new PortForwards(loop, gateway, listeners, probe);
    made.add(f);
    return f;
  }

  @Test
  void theHostPortProbeRunsOutsideTheLockAndARaceItMissedIsCaughtUnderIt() throws Exception {
    AtomicBoolean probedUnderLock = new AtomicBoolean();
    int port = freePort();
    PortForwards[] self = new PortForwards[1];
    self[0] =
        forwards(
            new ForwardListeners(false),
            (protocol, p) -> {
              probedUnderLock.set(Thread.holdsLock(self[0]));
              try { // while the probe runs, the host takes the same forward
                self[0].expose("tcp", "127.0.0.1:" + port, GUEST + ":22");
              } catch (ForwardException e) {
                throw new IllegalStateException(e);
              }
              return false;
            });

    assertThatThrownBy(
            () ->
                self[0].exposeForGuest(
                    POLICY,
                    "tcp",
                    "127.0.0.1:" + port,
                    GUEST + ":80",
                    InetAddress.getByName(GUEST)))
        .hasMessage("proxy already running for tcp on 127.0.0.1:" + port);
    assertThat(probedUnderLock).isFalse();
    assertThat(self[0].all())
        .containsExactly(new Forward("127.0.0.1:" + port, GUEST + ":22", "tcp", "host"));
  }

  @Test
  void aLoopbackForwardAlsoListensOnIpv6Loopback() throws Exception {
    assumeThat(ipv6Loopback()).as("this host has no IPv6 loopback").isTrue();
    int port = freePort();
    PortForwards f = forwards(new ForwardListeners(false), (protocol, p) -> false);
    f.expose("tcp", "127.0.0.1:" + port, GUEST + ":22");
    assertThat(f.listenAddresses("tcp", "127.0.0.1:" + port))
        .containsExactly(
            new InetSocketAddress("127.0.0.1", port), new InetSocketAddress("::1", port));
    f.exposeForGuest(
        POLICY, "udp", "127.0.0.1:" + port, GUEST + ":53", InetAddress.getByName(GUEST));
    assertThat(f.listenAddresses("udp", "127.0.0.1:" + port)).hasSize(2);
  }

  @Test
  void whenIpv6LoopbackIsTakenTheForwardKeepsIpv4() throws Exception {
    assumeThat(ipv6Loopback()).as("this host has no IPv6 loopback").isTrue();
    try (ServerSocket v6 = new ServerSocket()) {
      v6.bind(new InetSocketAddress("::1", 0));
      int port = v6.getLocalPort();
      PortForwards f = forwards(new ForwardListeners(false), (protocol, p) -> false);
      f.expose("tcp", "127.0.0.1:" + port, GUEST + ":22");
      assertThat(f.listenAddresses("tcp", "127.0.0.1:" + port))
          .containsExactly(new InetSocketAddress("127.0.0.1", port));
    }
  }

  @Test
  void aPrivilegedLoopbackPortOnTheWildcardServesLoopbackPeersOnly() throws Exception {
    int port = freePort();
    // Every port counts as privileged here, so that the test binds without root.
    PortForwards f = forwards(new ForwardListeners(true, 65536), (protocol, p) -> false);
    f.expose("tcp", "127.0.0.1:" + port, GUEST + ":80");
    assertThat(f.listenAddresses("tcp", "127.0.0.1:" + port))
        .containsExactly(new InetSocketAddress("0.0.0.0", port));

    try (Socket fromLoopback = new Socket(InetAddress.getLoopbackAddress(), port)) {
      assertThat(fromLoopback.isConnected()).isTrue();
    }
    assertThat(refusedPeers()).isZero();

    InetAddress lan = nonLoopbackAddress();
    assumeThat(lan).as("this host has no address but loopback to connect from").isNotNull();
    try (Socket fromNetwork = new Socket(lan, port)) {
      fromNetwork.setSoTimeout(10_000);
      assertThat(fromNetwork.getInputStream().read()).as("closed at once").isEqualTo(-1);
    }
    assertThat(refusedPeers()).isEqualTo(1);
  }

  @Test
  void aReservedGuestPortIsReachedByTheHostsForwardsAlone() throws Exception {
    PortForwards f = forwards(new ForwardListeners(false), (protocol, p) -> false);
    f.reserveGuestPorts(List.of(10375));
    int port = freePort();

    assertThatThrownBy(
            () ->
                f.exposeForGuest(
                    POLICY,
                    "tcp",
                    "127.0.0.1:" + port,
                    GUEST + ":10375",
                    InetAddress.getByName(GUEST)))
        .isInstanceOf(ForwardException.Refused.class)
        .hasMessageContaining("port 10375 of the machine serves the host alone");
    assertThat(f.exposeAuto("tcp", 10375, (Inet4Address) InetAddress.getByName(GUEST)))
        .isEqualTo(PortForwards.AutoOutcome.RESERVED);
    assertThat(f.all()).isEmpty();

    // udp is not reserved, and the host's own forwards reach the port
    f.exposeForGuest(
        POLICY, "udp", "127.0.0.1:" + port, GUEST + ":10375", InetAddress.getByName(GUEST));
    f.expose("tcp", "127.0.0.1:" + port, GUEST + ":10375");
    assertThat(f.all())
        .containsExactly(
            new Forward("127.0.0.1:" + port, GUEST + ":10375", "tcp", "host"),
            new Forward("127.0.0.1:" + port, GUEST + ":10375", "udp", "podman"));
  }

  @Test
  void onlyLoopbackPeersPassTheWildcardFilter() throws Exception {
    assertThat(ForwardListeners.LOOPBACK_PEERS.test(new InetSocketAddress("127.0.0.1", 5)))
        .isTrue();
    assertThat(ForwardListeners.LOOPBACK_PEERS.test(new InetSocketAddress("::1", 5))).isTrue();
    assertThat(ForwardListeners.LOOPBACK_PEERS.test(new InetSocketAddress("192.168.1.20", 5)))
        .isFalse();
    assertThat(ForwardListeners.LOOPBACK_PEERS.test(new InetSocketAddress("2001:db8::5", 5)))
        .isFalse();
    assertThat(
            ForwardListeners.LOOPBACK_PEERS.test(
                InetSocketAddress.createUnresolved("localhost", 5)))
        .isFalse();
  }

  private long refusedPeers() throws IOException {
    return loop.call(() -> gateway.stats().forwardPeersRefused);
  }

  private static boolean ipv6Loopback() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("::1", 0));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static InetAddress nonLoopbackAddress() throws IOException {
    for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
      if (nic.isUp() && !nic.isLoopback()) {
        for (InetAddress a : nic.inetAddresses().toList()) {
          if (a instanceof Inet4Address) {
            return a;
          }
        }
      }
    }
    return null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
