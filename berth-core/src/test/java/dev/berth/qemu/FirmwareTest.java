package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FirmwareTest {
  @Test
  void aarch64_firstReadableCandidateInOrder() {
    Set<Path> readable =
        Set.of(
            Path.of("/usr/share/edk2/aarch64/QEMU_EFI.fd"),
            Path.of("/opt/homebrew/share/qemu/edk2-aarch64-code.fd"));
    assertThat(Firmware.aarch64(readable::contains))
        .isEqualTo(Path.of("/usr/share/edk2/aarch64/QEMU_EFI.fd"));
  }

  @Test
  void aarch64_homebrewOnAppleSilicon() {
    assertThat(Firmware.aarch64(Path.of("/opt/homebrew/share/qemu/edk2-aarch64-code.fd")::equals))
        .isEqualTo(Path.of("/opt/homebrew/share/qemu/edk2-aarch64-code.fd"));
  }

  @Test
  void aarch64_noneInstalled_null() {
    assertThat(Firmware.aarch64(path -> false)).isNull();
  }
}
