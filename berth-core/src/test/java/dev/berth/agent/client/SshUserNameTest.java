package dev.berth.agent.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SshUserNameTest {
  @Test
  void ssh_userNameThatSshWouldReadAsAnOption_refusedBeforeAnythingElse() {
    // No machines: the name is refused before they are asked anything.
    MachineAccess access = new MachineAccess(null);
    assertThatThrownBy(() -> access.ssh("m", "-oProxyCommand=touch /tmp/x", List.of(), false))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("invalid user name");
  }
}
