package dev.berth.agent.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.qemu.Accelerator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SshUserNameTest {
  @Test
  void ssh_userNameThatSshWouldReadAsAnOption_refusedBeforeAnythingElse() {
    // No machines and no launcher: the name is refused before either is asked anything.
    MachineLifecycle lifecycle = new MachineLifecycle(null, null, null, null, Accelerator.TCG);
    assertThatThrownBy(() -> lifecycle.ssh("m", "-oProxyCommand=touch /tmp/x", List.of(), false))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("invalid user name");
  }
}
