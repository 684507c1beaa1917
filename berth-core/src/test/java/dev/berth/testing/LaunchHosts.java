package dev.berth.testing;

import dev.berth.os.DescribedLaunchFacts;
import dev.berth.os.Host;
import dev.berth.os.QemuVersion;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Hosts whose launch facts are stated: what decides a machine's launch, nothing probed. */
public final class LaunchHosts {
  public static final QemuVersion QEMU_9_2 = new QemuVersion(9, 2, 0);

  private LaunchHosts() {}

  /** An Apple Silicon Mac with Homebrew's QEMU and firmware. */
  public static Host appleSilicon(boolean hvSupport, QemuVersion qemu) {
    return mac("aarch64", false, hvSupport, Path.of("/opt/homebrew"), qemu);
  }

  /** An Apple Silicon Mac whose JDK is x86_64, translated by Rosetta. */
  public static Host appleSiliconTranslatedJvm() {
    return mac("x86_64", true, true, Path.of("/opt/homebrew"), QEMU_9_2);
  }

  /** An Intel Mac with Homebrew's QEMU under /usr/local. */
  public static Host intelMac(boolean hvSupport) {
    return mac("x86_64", false, hvSupport, Path.of("/usr/local"), QEMU_9_2);
  }

  /** A Linux host with Debian's QEMU 7.2 and AAVMF firmware. */
  public static Host linux(String arch, boolean kvm) {
    Set<Path> files =
        Set.of(
            Path.of("/usr/bin/qemu-system-x86_64"),
            Path.of("/usr/bin/qemu-system-aarch64"),
            Path.of("/usr/bin/setsid"),
            Path.of("/usr/share/AAVMF/AAVMF_CODE.fd"),
            Path.of("/usr/share/AAVMF/AAVMF_VARS.fd"));
    return host(
        "linux",
        arch,
        Path.of("/home/u"),
        new DescribedLaunchFacts(
            false, kvm, List.of(Path.of("/usr/bin")), files, new QemuVersion(7, 2, 0)));
  }

  static Host mac(
      String jvmArch, boolean translated, boolean hvSupport, Path prefix, QemuVersion qemu) {
    Set<Path> files =
        Set.of(
            prefix.resolve("bin/qemu-system-x86_64"),
            prefix.resolve("bin/qemu-system-aarch64"),
            Path.of("/usr/bin/perl"),
            prefix.resolve("share/qemu/edk2-aarch64-code.fd"),
            prefix.resolve("share/qemu/edk2-arm-vars.fd"));
    // a GUI's PATH: no package manager's directory in it
    return host(
        "darwin",
        jvmArch,
        Path.of("/Users/u"),
        new DescribedLaunchFacts(
            translated, hvSupport, List.of(Path.of("/usr/bin"), Path.of("/bin")), files, qemu));
  }

  private static Host host(String os, String arch, Path home, DescribedLaunchFacts facts) {
    return new Host(Map.of(), home, "u", 501, os, arch, 8, 16L << 30, ZoneId.of("UTC"), facts);
  }
}
