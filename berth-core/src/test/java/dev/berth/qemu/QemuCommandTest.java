package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.testing.LaunchHosts;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuCommandTest {
  private static final QemuCommand.RuntimePaths PATHS =
      new QemuCommand.RuntimePaths(
          Path.of("/run/m/qmp.sock"),
          Path.of("/run/m/ready.sock"),
          Path.of("/run/m/console.log"),
          Path.of("/run/m/qemu.pid"));

  private static QemuCommand.Guest guest(
      Path kernel, boolean firstBoot, QemuCommand.Network network) {
    return new QemuCommand.Guest(
        "m",
        2,
        2048,
        Path.of("/data/m/disk.qcow2"),
        kernel,
        kernel == null ? null : Path.of("/cache/x.initramfs"),
        firstBoot,
        Path.of("/conf/m/ignition.ign"),
        List.of(
            new QemuCommand.Share(Path.of("/home/u"), "vol0", false),
            new QemuCommand.Share(Path.of("/srv"), "vol1", true)),
        network);
  }

  /** A platform as QemuHost makes it: QEMU names its process on Linux alone. */
  private static QemuCommand.Platform platform(
      String os, String arch, Accelerator accelerator, Path firmware) {
    return new QemuCommand.Platform(
        QemuCommand.binary(arch),
        arch,
        accelerator,
        os.equals("linux"),
        firmware == null ? null : new Firmware.Uefi(firmware, null),
        null);
  }

  private static String line(List<String> argv) {
    return String.join(" ", argv);
  }

  @Test
  void linuxX86Tcg_berthOsFirstBoot() {
    List<String> argv =
        QemuCommand.build(
            platform("linux", "x86_64", Accelerator.TCG, null),
            guest(Path.of("/cache/x.kernel"), true, new QemuCommand.Slirp(2222)),
            PATHS);
    assertThat(argv.get(0)).isEqualTo("qemu-system-x86_64");
    assertThat(line(argv))
        .contains("-machine q35,accel=tcg -cpu max -smp 2 -m 2048M")
        .contains("-kernel /cache/x.kernel -initrd /cache/x.initramfs")
        .contains(
            "-drive if=virtio,format=qcow2,discard=unmap,detect-zeroes=unmap,file=/data/m/disk.qcow2")
        .contains("-fw_cfg name=opt/com.coreos/config,file=/conf/m/ignition.ign")
        .contains("-qmp unix:/run/m/qmp.sock,server=on,wait=off")
        .contains(
            "-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22 -device virtio-net-pci,netdev=net0,mac=5a:94:ef:e4:0c:ee")
        .contains(
            "-chardev socket,id=ready,path=/run/m/ready.sock,server=off -device virtserialport,chardev=ready,name=org.fedoraproject.port.0")
        .contains("-chardev file,id=console,path=/run/m/console.log -serial chardev:console")
        .contains("-virtfs local,path=/home/u,mount_tag=vol0,security_model=none -virtfs")
        .contains("local,path=/srv,mount_tag=vol1,security_model=none,readonly=on")
        .contains("-pidfile /run/m/qemu.pid")
        .contains("-name m,process=berth-m");
    int append = argv.indexOf("-append");
    assertThat(argv.get(append + 1))
        .isEqualTo("root=/dev/vda rw console=ttyS0 quiet ignition.firstboot");
  }

  @Test
  void freePageReportingBalloon_andTheGuestAgentsPortWhenThereIsASocket() {
    QemuCommand.Platform platform = platform("linux", "x86_64", Accelerator.TCG, null);
    QemuCommand.Guest guest = guest(Path.of("/cache/x.kernel"), false, new QemuCommand.Slirp(2222));
    String without = line(QemuCommand.build(platform, guest, PATHS));
    assertThat(without)
        .contains("-device virtio-balloon-pci,free-page-reporting=on")
        .doesNotContain("qga");
    QemuCommand.RuntimePaths withAgent =
        new QemuCommand.RuntimePaths(
            PATHS.qmp(),
            PATHS.ready(),
            PATHS.console(),
            PATHS.pidFile(),
            Path.of("/run/m,1/qga.sock"),
            null);
    assertThat(line(QemuCommand.build(platform, guest, withAgent)))
        .contains(
            "-chardev socket,id=qga,path=/run/m,,1/qga.sock,server=on,wait=off"
                + " -device virtserialport,chardev=qga,name=org.qemu.guest_agent.0");
  }

  @Test
  void aUserQmpSocket_isASecondMonitor_besideTheAgents() {
    QemuCommand.Platform platform = platform("linux", "x86_64", Accelerator.TCG, null);
    QemuCommand.Guest guest = guest(Path.of("/cache/x.kernel"), false, new QemuCommand.Slirp(2222));
    assertThat(line(QemuCommand.build(platform, guest, PATHS))).doesNotContain("qmp-user");
    QemuCommand.RuntimePaths withUserQmp =
        new QemuCommand.RuntimePaths(
            PATHS.qmp(),
            PATHS.ready(),
            PATHS.console(),
            PATHS.pidFile(),
            null,
            Path.of("/run/m,1/qmp-user.sock"));
    assertThat(line(QemuCommand.build(platform, guest, withUserQmp)))
        .contains(
            "-qmp unix:"
                + PATHS.qmp()
                + ",server=on,wait=off -qmp unix:/run/m,,1/qmp-user.sock,server=on,wait=off");
  }

  @Test
  void slirpForwardsExtraPortsToTheSamePortInTheGuest() {
    List<String> argv =
        QemuCommand.build(
            platform("linux", "x86_64", Accelerator.TCG, null),
            guest(
                Path.of("/cache/x.kernel"),
                false,
                new QemuCommand.Slirp(2222, List.of(8080, 8443))),
            PATHS);
    assertThat(line(argv))
        .contains(
            "-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:8080-:8080,"
                + "hostfwd=tcp:127.0.0.1:8443-:8443 -device");
  }

  @Test
  void virtfsPath_escapesCommas_keepsSpaces() {
    assertThat(QemuCommand.virtfs(new QemuCommand.Share(Path.of("/home/u/a,b c"), "vol3", false)))
        .isEqualTo("local,path=/home/u/a,,b c,mount_tag=vol3,security_model=none");
  }

  @Test
  void pathsWithCommas_doubledInEveryOptionValue_plainPathArgumentsAsTheyAre() {
    Path home = Path.of("/home/u/a,b");
    QemuCommand.Guest guest =
        new QemuCommand.Guest(
            "m",
            2,
            2048,
            home.resolve("data/disk.qcow2"),
            home.resolve("cache/x.kernel"),
            home.resolve("cache/x.initramfs"),
            false,
            home.resolve("conf/ignition.ign"),
            List.of(new QemuCommand.Share(home.resolve("src"), "vol0", false)),
            new QemuCommand.Stream(home.resolve("run/net.sock"), 1500));
    QemuCommand.RuntimePaths paths =
        new QemuCommand.RuntimePaths(
            home.resolve("run/qmp.sock"), home.resolve("run/ready.sock"),
            home.resolve("run/console.log"), home.resolve("run/qemu.pid"));
    List<String> argv =
        QemuCommand.build(
            platform("darwin", "aarch64", Accelerator.HVF, home.resolve("fw/code.fd")),
            guest,
            paths);
    assertThat(line(argv))
        .contains("file=/home/u/a,,b/data/disk.qcow2")
        .contains("-fw_cfg name=opt/com.coreos/config,file=/home/u/a,,b/conf/ignition.ign")
        .contains("-qmp unix:/home/u/a,,b/run/qmp.sock,server=on,wait=off")
        .contains("addr.path=/home/u/a,,b/run/net.sock")
        .contains("socket,id=ready,path=/home/u/a,,b/run/ready.sock,server=off")
        .contains("file,id=console,path=/home/u/a,,b/run/console.log")
        .contains("local,path=/home/u/a,,b/src,mount_tag=vol0")
        .contains("-kernel /home/u/a,b/cache/x.kernel -initrd /home/u/a,b/cache/x.initramfs")
        .contains("-pidfile /home/u/a,b/run/qemu.pid");
  }

  @Test
  void laterBoot_hasNoFirstBootArgument() {
    List<String> argv =
        QemuCommand.build(
            platform("linux", "x86_64", Accelerator.KVM, null),
            guest(Path.of("/cache/x.kernel"), false, new QemuCommand.Slirp(2222)),
            PATHS);
    assertThat(argv.get(argv.indexOf("-append") + 1)).doesNotContain("ignition.firstboot");
    assertThat(line(argv)).contains("-machine q35,accel=kvm -cpu host");
  }

  @Test
  void macX86Hvf_firmwareBootForFcos_streamNetwork() {
    List<String> argv =
        QemuCommand.build(
            platform("darwin", "x86_64", Accelerator.HVF, null),
            guest(null, true, new QemuCommand.Stream(Path.of("/run/m/net.sock"), 65520)),
            PATHS);
    assertThat(line(argv))
        .contains("-machine q35,accel=hvf -cpu host")
        .doesNotContain("-kernel")
        .doesNotContain("-append")
        .contains("-netdev stream,id=net0,server=off,addr.type=unix,addr.path=/run/m/net.sock")
        .contains("virtio-net-pci,netdev=net0,mac=5a:94:ef:e4:0c:ee,host_mtu=65520");
  }

  @Test
  void macAarch64Hvf_usesEdk2Firmware() {
    List<String> argv =
        QemuCommand.build(
            platform(
                "darwin",
                "aarch64",
                Accelerator.HVF,
                Path.of("/opt/homebrew/share/qemu/edk2-aarch64-code.fd")),
            guest(null, true, new QemuCommand.Stream(Path.of("/run/m/net.sock"), 1500)),
            PATHS);
    assertThat(argv.get(0)).isEqualTo("qemu-system-aarch64");
    assertThat(line(argv))
        .contains("-machine virt,highmem=on,gic-version=max,accel=hvf -cpu host")
        .contains(
            "-drive if=pflash,format=raw,readonly=on,file=/opt/homebrew/share/qemu/edk2-aarch64-code.fd")
        .doesNotContain("host_mtu");
  }

  @Test
  void linuxAarch64Kvm_withoutFirmware_saysWhatToInstall() {
    assertThatThrownBy(
            () ->
                QemuCommand.build(
                    platform("linux", "aarch64", Accelerator.KVM, null),
                    guest(null, true, new QemuCommand.Slirp(1)),
                    PATHS))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("no UEFI firmware")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .hasValueSatisfying(h -> assertThat(h).contains("qemu-efi-aarch64")));
  }

  @Test
  void linuxAarch64_directKernelBootNeedsNoFirmware() {
    List<String> argv =
        QemuCommand.build(
            platform("linux", "aarch64", Accelerator.TCG, null),
            guest(Path.of("/cache/k"), false, new QemuCommand.Slirp(1)),
            PATHS);
    assertThat(line(argv))
        .contains("-machine virt,highmem=on,gic-version=max,accel=tcg -cpu max")
        .doesNotContain("pflash");
  }

  @Test
  void unknownArchitecture_refused() {
    assertThatThrownBy(
            () ->
                QemuCommand.build(
                    platform("linux", "riscv64", Accelerator.TCG, null),
                    guest(null, true, new QemuCommand.Slirp(1)),
                    PATHS))
        .hasMessageContaining("riscv64");
  }

  @Test
  void acceleratorChoice_hvfOnlyWithHvSupport_kvmOnlyWhenItWorks() {
    assertThat(
            QemuHost.accelerator(LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2), "aarch64"))
        .isEqualTo(Accelerator.HVF);
    assertThat(
            QemuHost.accelerator(LaunchHosts.appleSilicon(false, LaunchHosts.QEMU_9_2), "aarch64"))
        .isEqualTo(Accelerator.TCG);
    assertThat(QemuHost.accelerator(LaunchHosts.linux("x86_64", false), "x86_64"))
        .isEqualTo(Accelerator.TCG);
    assertThat(QemuHost.accelerator(LaunchHosts.linux("x86_64", true), "x86_64"))
        .isEqualTo(Accelerator.KVM);
  }

  @Test
  void aarch64Tcg_cpuMaxWithImpdefPointerAuthentication_consoleOnPl011() {
    List<String> argv =
        QemuCommand.build(
            platform("linux", "aarch64", Accelerator.TCG, null),
            guest(Path.of("/cache/k"), true, new QemuCommand.Slirp(1)),
            PATHS);
    assertThat(argv).containsSequence("-cpu", "max,pauth-impdef=on");
    assertThat(argv.get(argv.indexOf("-append") + 1))
        .isEqualTo("root=/dev/vda rw console=ttyAMA0 quiet ignition.firstboot");
  }

  @Test
  void aarch64Firmware_codeReadOnly_machineVariablesWritable() {
    List<String> argv =
        QemuCommand.build(
            new QemuCommand.Platform(
                "qemu-system-aarch64",
                "aarch64",
                Accelerator.HVF,
                false,
                new Firmware.Uefi(Path.of("/fw/code.fd"), Path.of("/fw/vars.fd")),
                Path.of("/data/m/efi-vars.fd")),
            guest(null, true, new QemuCommand.Slirp(1)),
            PATHS);
    assertThat(line(argv))
        .contains(
            "-drive if=pflash,format=raw,readonly=on,file=/fw/code.fd -drive if=pflash,format=raw,file=/data/m/efi-vars.fd")
        .doesNotContain("/fw/vars.fd");
  }

  @Test
  void processName_onlyWhereThePlatformSaysQemuCanSetIt() {
    List<String> argv =
        QemuCommand.build(
            platform("darwin", "x86_64", Accelerator.HVF, null),
            guest(Path.of("/cache/k"), false, new QemuCommand.Slirp(1)),
            PATHS);
    assertThat(argv).containsSequence("-name", "m");
    assertThat(line(argv)).doesNotContain("process=");
  }
}
