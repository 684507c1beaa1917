package dev.berth.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.network.VirtualNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestSocketTest {
  @TempDir Path dir;

  @Test
  void theSocketGuestsAttachTo_isTheOwnersAlone() throws Exception {
    try (VirtualNetwork net = VirtualNetwork.start(NetworkConfig.gvproxyDefaults())) {
      Path socket = dir.resolve("net.sock");
      net.listenUnix(socket, Framing.QEMU);
      assertThat(Files.getPosixFilePermissions(socket))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
  }
}
