package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.os.Host;
import dev.berth.os.QemuVersion;
import dev.berth.testing.LaunchHosts;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole launch, from the host model to QEMU's command line, for each kind of host: what {@code
 * berth start} runs there. QEMU's behaviour on each is read from its source (os-posix.c,
 * target/arm/hvf, hw/arm/virt.c), since no Mac runs these tests.
 */
class HostLaunchTest {
  private static final long MEMORY_MIB = 2048;
  private static final Path VARS = Path.of("/data/m/efi-vars.fd");

  /** Options QEMU accepts on Linux alone; none may reach a darwin command line. */
  private static final Map<String, String> LINUX_ONLY =
      Map.of(
          "process=", "-name's process= needs PR_SET_NAME: elsewhere QEMU exits 1 (os-posix.c)",
          "accel=kvm", "KVM is Linux's hypervisor",
          "vhost", "vhost-net and vhost-user need Linux's vhost drivers",
          "virtiofs", "vhost-user-fs: no vhost-user on macOS",
          "memfd", "memory-backend-memfd needs memfd_create",
          "aio=native", "Linux AIO (io_submit)",
          "io_uring", "Linux's io_uring",
          "/dev/", "device nodes such as /dev/kvm, /dev/net/tun exist on Linux hosts only",
          "/proc/", "no /proc on macOS",
          "-runas", "used with Linux user namespaces; not Berth's way on any host");

  private static QemuHost.Setup setup(Host host, String guestArch) {
    return QemuHost.platform(
        host, guestArch, QemuHost.accelerator(host, guestArch), MEMORY_MIB, VARS);
  }

  /** A machine that boots through firmware (Fedora CoreOS), on berth-net, with a volume. */
  private static List<String> launch(Host host, String guestArch) {
    return QemuCommand.build(
        setup(host, guestArch).platform(),
        new QemuCommand.Guest(
            "m",
            2,
            MEMORY_MIB,
            Path.of("/data/m/disk.qcow2"),
            null,
            null,
            true,
            Path.of("/conf/m/m.ign"),
            List.of(new QemuCommand.Share(Path.of("/Users"), "vol0", false)),
            new QemuCommand.Stream(Path.of("/run/m/net.sock"), 1500)),
        new QemuCommand.RuntimePaths(
            Path.of("/run/m/qmp.sock"),
            Path.of("/run/m/ready.sock"),
            Path.of("/run/m/console.log"),
            Path.of("/run/m/qemu.pid")));
  }

  /** berth-os: the kernel booted directly. */
  private static List<String> launchBerthOs(Host host, String guestArch) {
    return QemuCommand.build(
        setup(host, guestArch).platform(),
        new QemuCommand.Guest(
            "m",
            2,
            MEMORY_MIB,
            Path.of("/data/m/disk.qcow2"),
            Path.of("/cache/k"),
            Path.of("/cache/i"),
            false,
            Path.of("/conf/m/m.ign"),
            List.of(),
            new QemuCommand.Slirp(2222)),
        new QemuCommand.RuntimePaths(
            Path.of("/run/m/qmp.sock"),
            Path.of("/run/m/ready.sock"),
            Path.of("/run/m/console.log"),
            Path.of("/run/m/qemu.pid")));
  }

  private static void assertNoLinuxOnlyOption(List<String> argv) {
    for (String arg : argv) {
      for (Map.Entry<String, String> linuxOnly : LINUX_ONLY.entrySet()) {
        assertThat(arg).as(linuxOnly.getValue()).doesNotContain(linuxOnly.getKey());
      }
    }
  }

  private static String line(List<String> argv) {
    return String.join(" ", argv);
  }

  @Test
  void darwinAarch64_withHvSupport_hvfAndTheHostCpu_homebrewQemuAndFirmware() {
    List<String> argv = launch(LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2), "aarch64");
    assertThat(argv.get(0)).isEqualTo("/opt/homebrew/bin/qemu-system-aarch64");
    assertThat(argv).containsSequence("-name", "m").containsSequence("-cpu", "host");
    assertThat(line(argv))
        .contains("-machine virt,highmem=on,gic-version=max,accel=hvf")
        .contains(
            "if=pflash,format=raw,readonly=on,file=/opt/homebrew/share/qemu/edk2-aarch64-code.fd")
        .contains("if=pflash,format=raw,file=/data/m/efi-vars.fd")
        .contains("-pidfile /run/m/qemu.pid");
    assertNoLinuxOnlyOption(argv);
  }

  @Test
  void darwinAarch64_withoutHvSupport_tcgWithAWarning() {
    Host mac = LaunchHosts.appleSilicon(false, LaunchHosts.QEMU_9_2);
    List<String> argv = launch(mac, "aarch64");
    assertThat(line(argv))
        .contains("accel=tcg")
        .contains("-cpu max,pauth-impdef=on")
        .doesNotContain("hvf");
    assertThat(setup(mac, "aarch64").warnings())
        .anySatisfy(w -> assertThat(w).contains("kern.hv_support"));
    assertNoLinuxOnlyOption(argv);
  }

  @Test
  void darwinX86_64_withAndWithoutHvSupport() {
    List<String> hvf = launch(LaunchHosts.intelMac(true), "x86_64");
    assertThat(hvf.get(0)).isEqualTo("/usr/local/bin/qemu-system-x86_64");
    assertThat(line(hvf)).contains("-machine q35,accel=hvf -cpu host").doesNotContain("pflash");
    assertNoLinuxOnlyOption(hvf);
    List<String> tcg = launch(LaunchHosts.intelMac(false), "x86_64");
    assertThat(line(tcg)).contains("-machine q35,accel=tcg -cpu max");
    assertNoLinuxOnlyOption(tcg);
  }

  @Test
  void darwinX86_64JvmTranslatedByRosetta_runsTheMacsOwnArchitecture() {
    Host translated = LaunchHosts.appleSiliconTranslatedJvm();
    assertThat(translated.cpuArch()).isEqualTo("aarch64");
    assertThat(QemuHost.accelerator(translated, "x86_64"))
        .as("HVF cannot run x86_64 guests there")
        .isEqualTo(Accelerator.TCG);
    List<String> argv = launch(translated, translated.cpuArch());
    assertThat(argv.get(0)).isEqualTo("/opt/homebrew/bin/qemu-system-aarch64");
    assertThat(line(argv)).contains("accel=hvf").contains("-cpu host");
    assertThat(setup(translated, "aarch64").warnings())
        .anySatisfy(w -> assertThat(w).contains("Rosetta"));
    assertNoLinuxOnlyOption(argv);
  }

  @Test
  void linuxX86_64_asBefore() {
    List<String> kvm = launchBerthOs(LaunchHosts.linux("x86_64", true), "x86_64");
    assertThat(kvm.get(0)).isEqualTo("/usr/bin/qemu-system-x86_64");
    assertThat(kvm).containsSequence("-name", "m,process=berth-m");
    assertThat(line(kvm)).contains("-machine q35,accel=kvm -cpu host");
    assertThat(kvm.get(kvm.indexOf("-append") + 1)).contains("console=ttyS0");
    assertThat(line(launchBerthOs(LaunchHosts.linux("x86_64", false), "x86_64")))
        .contains("-machine q35,accel=tcg -cpu max ");
    assertThat(setup(LaunchHosts.linux("x86_64", false), "x86_64").warnings()).isEmpty();
  }

  @Test
  void linuxAarch64_kvm_aavmfWithItsVariables() {
    List<String> argv = launch(LaunchHosts.linux("aarch64", true), "aarch64");
    assertThat(line(argv))
        .contains("-machine virt,highmem=on,gic-version=max,accel=kvm -cpu host")
        .contains("readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd")
        .contains("if=pflash,format=raw,file=/data/m/efi-vars.fd");
  }

  @Test
  void aarch64GuestOnAnX86_64Linux_tcgWithAWarning_pl011Console() {
    Host host = LaunchHosts.linux("x86_64", true);
    assertThat(QemuHost.accelerator(host, "aarch64")).isEqualTo(Accelerator.TCG);
    List<String> argv = launchBerthOs(host, "aarch64");
    assertThat(argv.get(0)).isEqualTo("/usr/bin/qemu-system-aarch64");
    assertThat(argv).containsSequence("-cpu", "max,pauth-impdef=on");
    assertThat(line(argv)).contains("-machine virt,highmem=on,gic-version=max,accel=tcg");
    assertThat(argv.get(argv.indexOf("-append") + 1)).contains("console=ttyAMA0");
    assertThat(setup(host, "aarch64").warnings())
        .anySatisfy(
            w -> assertThat(w).contains("aarch64 machine on an x86_64 host").contains("TCG"));
  }

  @Test
  void qemuBefore7_2_refusedWithAHint() {
    Host old = LaunchHosts.appleSilicon(true, new QemuVersion(7, 1, 0));
    assertThatThrownBy(() -> setup(old, "aarch64"))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("QEMU 7.1.0")
        .hasMessageContaining("7.2.0")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .hasValueSatisfying(h -> assertThat(h).contains("brew upgrade qemu")));
  }

  @Test
  void appleSiliconQemuBefore8_2_1_warned() {
    assertThat(
            setup(LaunchHosts.appleSilicon(true, new QemuVersion(8, 2, 0)), "aarch64").warnings())
        .anySatisfy(w -> assertThat(w).contains("8.2.1"));
    assertThat(
            setup(LaunchHosts.appleSilicon(true, new QemuVersion(8, 2, 1)), "aarch64").warnings())
        .isEmpty();
  }

  @Test
  void hvfAarch64_memoryAboveTheGuestAddressSpace_refused() {
    Host mac = LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2);
    assertThat(
            QemuHost.platform(
                mac, "aarch64", Accelerator.HVF, QemuHost.HVF_AARCH64_MAX_MEMORY_MIB, VARS))
        .isNotNull();
    assertThatThrownBy(
            () ->
                QemuHost.platform(
                    mac, "aarch64", Accelerator.HVF, QemuHost.HVF_AARCH64_MAX_MEMORY_MIB + 1, VARS))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("63489 MiB")
        .hasMessageContaining("36-bit");
    assertThat(QemuHost.platform(mac, "aarch64", Accelerator.TCG, 128L * 1024, VARS)).isNotNull();
  }

  @Test
  void noQemuAnywhere_refusedNamingWhereItLooked() {
    Host bare =
        LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2)
            .withLaunch("darwin", "aarch64", dev.berth.os.DescribedLaunchFacts.bare());
    assertThatThrownBy(() -> QemuHost.platform(bare, "aarch64", Accelerator.TCG, MEMORY_MIB, VARS))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("qemu-system-aarch64 not found")
        .hasMessageContaining("/opt/homebrew/bin")
        .hasMessageContaining("/opt/local/bin");
  }
}
