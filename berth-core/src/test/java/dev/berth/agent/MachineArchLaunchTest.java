package dev.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.image.Architecture;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.RuntimeFiles;
import dev.berth.os.Host;
import dev.berth.qemu.Accelerator;
import dev.berth.qemu.QemuCommand;
import dev.berth.qemu.QemuHost;
import dev.berth.testing.LaunchHosts;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A machine's launch follows the architecture it was created with, not the host's: the QEMU binary,
 * board, firmware, console and CPU are the guest's, and a guest the processor cannot run natively
 * is emulated (TCG) whatever hypervisor the host has.
 */
class MachineArchLaunchTest {
  private static final Path KERNEL = Path.of("/cache/vmlinuz");

  /** A machine of {@code arch} (null: a description written before machines had one). */
  private static MachineConfig machine(Architecture arch, boolean ownKernel) {
    return new MachineConfig(
        MachineConfig.SCHEMA_VERSION,
        "m",
        Instant.parse("2026-01-02T03:04:05Z"),
        null,
        new MachineConfig.ImageInfo(
            Path.of("/cache/base.qcow2"),
            "qcow2",
            "sha256:ab",
            "/src",
            "custom",
            null,
            ownKernel ? KERNEL : null,
            ownKernel ? Path.of("/cache/initrd") : null),
        Path.of("/data/m/disk.qcow2"),
        Path.of("/conf/m/ignition.ign"),
        false,
        new MachineConfig.Resources(2, 2048, 100),
        new MachineConfig.SshConfig(Path.of("/conf/m/id_ed25519"), 2222, "core"),
        List.of(),
        false,
        1000,
        "UTC",
        null,
        null,
        arch);
  }

  /** What the agent runs, given the accelerator the host offers its own architecture. */
  private static QemuLaunch launch(Host host, MachineConfig config, Accelerator hostAccelerator) {
    return QemuLaunch.of(
        host,
        "m",
        config,
        new RuntimeFiles(Path.of("/run/m")),
        hostAccelerator,
        new QemuCommand.Stream(Path.of("/run/m/net.sock"), 1500),
        true);
  }

  private static String line(QemuLaunch launch) {
    return String.join(" ", launch.argv());
  }

  @Test
  void aarch64MachineOnAnX86_64LinuxWithKvm_emulatedAarch64Virt() {
    Host host = LaunchHosts.linux("x86_64", true);

    QemuLaunch berthOs = launch(host, machine(Architecture.AARCH64, true), Accelerator.KVM);
    assertThat(berthOs.argv().get(0)).isEqualTo("/usr/bin/qemu-system-aarch64");
    assertThat(line(berthOs))
        .contains("-machine virt,highmem=on,gic-version=max,accel=tcg")
        .contains("-cpu max,pauth-impdef=on")
        .doesNotContain("kvm")
        .doesNotContain("-cpu host");
    assertThat(berthOs.argv().get(berthOs.argv().indexOf("-append") + 1))
        .contains("console=ttyAMA0");
    assertThat(berthOs.warnings())
        .as("one line says the machine is emulated and why")
        .containsExactly(QemuHost.emulationWarning(host, "aarch64").orElseThrow());

    QemuLaunch firmware = launch(host, machine(Architecture.AARCH64, false), Accelerator.KVM);
    assertThat(line(firmware))
        .contains("readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd")
        .contains("if=pflash,format=raw,file=/data/m/efi-vars.fd");
  }

  @Test
  void x86_64MachineOnAppleSilicon_emulatedEvenWithHvf() {
    Host mac = LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2);

    QemuLaunch launch = launch(mac, machine(Architecture.X86_64, true), Accelerator.HVF);
    assertThat(launch.argv().get(0)).isEqualTo("/opt/homebrew/bin/qemu-system-x86_64");
    assertThat(line(launch)).contains("-machine q35,accel=tcg -cpu max").doesNotContain("hvf");
    assertThat(launch.argv().get(launch.argv().indexOf("-append") + 1)).contains("console=ttyS0");
    assertThat(launch.warnings())
        .singleElement()
        .satisfies(
            w -> assertThat(w).contains("x86_64 machine on an aarch64 host").contains("TCG"));
  }

  @Test
  void machineWithoutARecordedArch_isOfTheHostsArchitecture() {
    Host mac = LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2);
    QemuLaunch launch = launch(mac, machine(null, false), Accelerator.HVF);
    assertThat(launch.argv().get(0)).isEqualTo("/opt/homebrew/bin/qemu-system-aarch64");
    assertThat(line(launch)).contains("accel=hvf").contains("-cpu host");
    assertThat(launch.warnings()).isEmpty();

    Host linux = LaunchHosts.linux("x86_64", true);
    assertThat(launch(linux, machine(null, true), Accelerator.KVM).argv().get(0))
        .isEqualTo("/usr/bin/qemu-system-x86_64");
  }

  @Test
  void hostsOwnArchitectureWithoutHypervisor_saysSoOnce() {
    Host host = LaunchHosts.linux("x86_64", false);
    QemuLaunch launch = launch(host, machine(Architecture.X86_64, true), Accelerator.TCG);
    assertThat(launch.warnings()).containsExactly(QemuLaunch.NO_HARDWARE_VIRTUALIZATION);
  }

  @Test
  void guestArch_asRecorded_elseTheProcessors() {
    Host translated = LaunchHosts.appleSiliconTranslatedJvm();
    assertThat(machine(null, true).guestArch(translated)).isEqualTo("aarch64");
    assertThat(machine(Architecture.X86_64, true).guestArch(translated)).isEqualTo("x86_64");
  }
}
