package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.os.DescribedLaunchFacts;
import dev.berth.os.Host;
import dev.berth.testing.LaunchHosts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirmwareTest {
  private static Host linuxWith(Set<Path> files) {
    return LaunchHosts.linux("aarch64", true)
        .withLaunch(
            "linux", "aarch64", new DescribedLaunchFacts(false, true, List.of(), files, null));
  }

  @Test
  void aarch64_firstReadableCandidateInOrder() {
    Set<Path> readable =
        Set.of(
            Path.of("/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw"),
            Path.of("/usr/share/edk2/aarch64/vars-template-pflash.raw"),
            Path.of("/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"));
    assertThat(Firmware.aarch64(linuxWith(readable), Path.of("/usr/bin/qemu-system-aarch64")))
        .contains(
            new Firmware.Uefi(
                Path.of("/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw"),
                Path.of("/usr/share/edk2/aarch64/vars-template-pflash.raw")));
  }

  @Test
  void aarch64_homebrewOnAppleSilicon_besideTheQemuInUse() {
    Host mac = LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2);
    assertThat(Firmware.aarch64(mac, Path.of("/opt/homebrew/bin/qemu-system-aarch64")))
        .contains(
            new Firmware.Uefi(
                Path.of("/opt/homebrew/share/qemu/edk2-aarch64-code.fd"),
                Path.of("/opt/homebrew/share/qemu/edk2-arm-vars.fd")));
  }

  @Test
  void aarch64_macPortsQemu_firmwareUnderItsPrefix() {
    Set<Path> files =
        Set.of(
            Path.of("/opt/local/share/qemu/edk2-aarch64-code.fd"),
            Path.of("/opt/local/share/qemu/edk2-arm-vars.fd"));
    assertThat(Firmware.aarch64(linuxWith(files), Path.of("/opt/local/bin/qemu-system-aarch64")))
        .hasValueSatisfying(
            uefi ->
                assertThat(uefi.code())
                    .isEqualTo(Path.of("/opt/local/share/qemu/edk2-aarch64-code.fd")));
  }

  @Test
  void aarch64_codeWithoutReadableTemplate_noTemplate() {
    Set<Path> files = Set.of(Path.of("/usr/share/AAVMF/AAVMF_CODE.fd"));
    assertThat(Firmware.aarch64(linuxWith(files), Path.of("/usr/bin/qemu-system-aarch64")))
        .contains(new Firmware.Uefi(Path.of("/usr/share/AAVMF/AAVMF_CODE.fd"), null));
  }

  @Test
  void aarch64_noneInstalled_empty() {
    assertThat(Firmware.aarch64(linuxWith(Set.of()), Path.of("/usr/bin/qemu-system-aarch64")))
        .isEmpty();
  }

  @Test
  void ensureVariables_copiesTheTemplateOnce_ownerOnly(@TempDir Path dir) throws IOException {
    Path template = Files.write(dir.resolve("vars.fd"), new byte[] {1, 2, 3});
    Path vars = dir.resolve("m/efi-vars.fd");
    Files.createDirectories(vars.getParent());
    Firmware.ensureVariables(template, vars);
    assertThat(Files.readAllBytes(vars)).containsExactly(1, 2, 3);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vars)))
        .isEqualTo("rw-------");
    Files.write(vars, new byte[] {9});
    Firmware.ensureVariables(template, vars);
    assertThat(Files.readAllBytes(vars)).as("the machine's variables are kept").containsExactly(9);
  }
}
