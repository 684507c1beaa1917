package dev.berth.agent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.testing.LaunchHosts;
import org.junit.jupiter.api.Test;

class MachineNetworkTest {
  @Test
  void slirpPortsAreCommaSeparated() {
    assertThat(MachineNetwork.slirpPorts(null)).isEmpty();
    assertThat(MachineNetwork.slirpPorts(" ")).isEmpty();
    assertThat(MachineNetwork.slirpPorts("8080, 8443")).containsExactly(8080, 8443);
  }

  @Test
  void aSlirpPortThatIsNoPortIsRefusedWithTheVariableNamed() {
    assertThatThrownBy(() -> MachineNetwork.slirpPorts("8080,http"))
        .isInstanceOf(BerthException.class)
        .hasMessage("BERTH_SLIRP_PORTS holds \"http\", not a port");
    assertThatThrownBy(() -> MachineNetwork.slirpPorts("70000")).isInstanceOf(BerthException.class);
  }

  @Test
  void onAMacForwardsOfPrivilegedPortsListenOnTheWildcardForLoopbackPeers() {
    assertThat(
            MachineNetwork.configFor(LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2))
                .privilegedPortsOnWildcard())
        .isTrue();
    assertThat(
            MachineNetwork.configFor(LaunchHosts.linux("x86_64", false))
                .privilegedPortsOnWildcard())
        .isFalse();
  }
}
