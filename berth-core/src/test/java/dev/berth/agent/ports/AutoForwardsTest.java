package dev.berth.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.forward.PortForwards;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which guest ports get forwards, and when they lose them. */
class AutoForwardsTest {

  private final FakeTarget target = new FakeTarget();
  private final AutoForwards forwards = new AutoForwards(target, guest(), false);

  private static Inet4Address guest() {
    try {
      return (Inet4Address) InetAddress.getByName("192.168.127.2");
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ListeningSocket socket(String protocol, String address, int port)
      throws Exception {
    return new ListeningSocket(protocol, InetAddress.getByName(address), port);
  }

  @Test
  void aPortIsForwardedWhenItAppearsAndRemovedWhenItGoes() throws Exception {
    forwards.update(Set.of(socket("tcp", "::", 8123), socket("udp", "0.0.0.0", 9999)));
    forwards.update(Set.of(socket("tcp", "::", 8123), socket("udp", "0.0.0.0", 9999)));
    assertThat(target.calls()).containsExactly("add tcp 8123", "add udp 9999");

    forwards.update(Set.of(socket("udp", "0.0.0.0", 9999)));
    forwards.update(Set.of());
    assertThat(target.calls())
        .containsExactly("add tcp 8123", "add udp 9999", "remove tcp 8123", "remove udp 9999");
  }

  @Test
  void onlyPortsReachableThroughTheGuestsAddressCount() throws Exception {
    forwards.update(
        Set.of(
            socket("tcp", "127.0.0.1", 8001),
            socket("tcp", "::1", 8002),
            socket("tcp", "10.88.0.1", 8003), // podman's bridge
            socket("tcp", "fe80::1", 8004),
            socket("tcp", "192.168.127.2", 8005),
            socket("tcp", "0.0.0.0", 8006),
            socket("udp", "::", 8007)));
    assertThat(target.calls()).containsExactly("add tcp 8005", "add tcp 8006", "add udp 8007");
  }

  @Test
  void theGuestsOwnServicesAndPrivilegedPortsAreLeftOut() throws Exception {
    Set<ListeningSocket> sockets =
        Set.of(
            socket("tcp", "0.0.0.0", 22),
            socket("udp", "0.0.0.0", 68),
            socket("udp", "::", 546),
            socket("tcp", "0.0.0.0", 80),
            socket("tcp", "0.0.0.0", 1024));
    forwards.update(sockets);
    assertThat(target.calls()).containsExactly("add tcp 1024");

    FakeTarget privileged = new FakeTarget();
    new AutoForwards(privileged, guest(), true).update(sockets);
    assertThat(privileged.calls()).containsExactly("add tcp 80", "add tcp 1024");
  }

  @Test
  void aTakenPortIsSkippedUntilItAppearsAgain_andNothingIsRemovedForIt() throws Exception {
    target.outcomes.put(8080, PortForwards.AutoOutcome.HOST_PORT_TAKEN);
    target.outcomes.put(9090, PortForwards.AutoOutcome.FORWARDED_ALREADY);
    Set<ListeningSocket> both = Set.of(socket("tcp", "::", 8080), socket("tcp", "::", 9090));
    forwards.update(both);
    forwards.update(both);
    forwards.update(Set.of());
    assertThat(target.calls()).containsExactly("add tcp 8080", "add tcp 9090");

    forwards.update(both);
    assertThat(target.calls()).hasSize(4);
  }

  @Test
  void atMostTheBoundOfForwardsIsAskedFor() throws Exception {
    Set<ListeningSocket> many = new HashSet<>();
    for (int port = 2000; port < 2000 + AutoForwards.MAX_FORWARDS + 50; port++) {
      many.add(socket("tcp", "0.0.0.0", port));
    }
    forwards.update(many);
    assertThat(target.calls()).hasSize(AutoForwards.MAX_FORWARDS);
  }

  @Test
  void clearRemovesEveryForwardItMade() throws Exception {
    target.outcomes.put(8080, PortForwards.AutoOutcome.HOST_PORT_TAKEN);
    forwards.update(Set.of(socket("tcp", "::", 8080), socket("udp", "::", 9999)));
    forwards.clear();
    assertThat(target.calls()).containsExactly("add tcp 8080", "add udp 9999", "remove udp 9999");
  }
}
