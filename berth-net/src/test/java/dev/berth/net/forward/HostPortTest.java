package dev.berth.net.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void splitsAsGoDoes() throws Exception {
    assertThat(HostPort.parse("127.0.0.1:8080")).isEqualTo(new HostPort("127.0.0.1", 8080));
    assertThat(HostPort.parse(":8080")).isEqualTo(new HostPort("", 8080));
    assertThatThrownBy(() -> HostPort.parse("8080"))
        .hasMessage("address 8080: missing port in address");
    assertThatThrownBy(() -> HostPort.parse("a:b:1"))
        .hasMessage("address a:b:1: too many colons in address");
    assertThatThrownBy(() -> HostPort.parse("h:x")).hasMessage("address h:x: invalid port \"x\"");
    assertThatThrownBy(() -> HostPort.parse("h:70000"))
        .hasMessage("address h:70000: invalid port \"70000\"");
  }

  @Test
  void aLocalAddressWithoutAnIpListensOnLoopbackOnly() throws Exception {
    assertThat(PortForwards.listenAddress(":8080").getAddress())
        .isEqualTo(InetAddress.getLoopbackAddress());
    assertThat(PortForwards.listenAddress("0.0.0.0:8080").getAddress().isAnyLocalAddress())
        .isTrue();
  }

  @Test
  void theGuestSideMustBeAnIpv4Address() {
    assertThatThrownBy(() -> ForwardSockets.guestAddress("guest:22"))
        .hasMessage("invalid remote addr");
  }
}
