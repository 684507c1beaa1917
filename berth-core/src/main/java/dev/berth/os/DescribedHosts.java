package dev.berth.os;

import dev.berth.BerthException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Hosts described rather than probed, for {@code berth debug qemu-command --host}: what a user's
 * bug report or our checks need to see without that host at hand. A described host has QEMU where
 * its usual package manager puts it (Homebrew on macOS: /opt/homebrew on Apple Silicon, /usr/local
 * on Intel; Debian's /usr on Linux) with that package's firmware, at a stated version.
 */
public final class DescribedHosts {
  /** The QEMU a described Mac has: Homebrew's at the time of writing. */
  public static final QemuVersion DARWIN_QEMU = new QemuVersion(9, 2, 0);

  /** The QEMU a described Linux host has: Debian 12's. */
  public static final QemuVersion LINUX_QEMU = new QemuVersion(7, 2, 0);

  private DescribedHosts() {}

  /**
   * {@code base} (its user and directories) as if it were an {@code os}/{@code arch} host; {@code
   * arch} is what the JVM reports, so a translated JVM on Apple Silicon is darwin/x86_64 with
   * {@code translated}.
   */
  public static Host describe(
      Host base, String os, String arch, boolean hypervisor, boolean translated) {
    if (!List.of("linux", "darwin").contains(os) || !List.of("x86_64", "aarch64").contains(arch)) {
      throw new BerthException(
          "no such host \"" + os + "/" + arch + "\"",
          "describe a host as OS/ARCH: OS linux or darwin, ARCH x86_64 or aarch64");
    }
    if (translated && !(os.equals("darwin") && arch.equals("x86_64"))) {
      throw new BerthException(
          "a translated JVM is an x86_64 JVM under Rosetta on an Apple Silicon Mac, not "
              + os
              + "/"
              + arch,
          "describe it as: --host darwin/x86_64 --translated");
    }
    boolean appleSilicon = os.equals("darwin") && (arch.equals("aarch64") || translated);
    Path prefix =
        os.equals("linux")
            ? Path.of("/usr")
            : Path.of(appleSilicon ? "/opt/homebrew" : "/usr/local");
    Path bin = prefix.resolve("bin");
    Set<Path> files =
        os.equals("linux")
            ? Set.of(
                bin.resolve("qemu-system-x86_64"),
                bin.resolve("qemu-system-aarch64"),
                Host.LINUX_SETSID,
                Path.of("/usr/share/AAVMF/AAVMF_CODE.fd"),
                Path.of("/usr/share/AAVMF/AAVMF_VARS.fd"))
            : Set.of(
                bin.resolve("qemu-system-x86_64"),
                bin.resolve("qemu-system-aarch64"),
                Host.PERL,
                prefix.resolve("share/qemu/edk2-aarch64-code.fd"),
                prefix.resolve("share/qemu/edk2-arm-vars.fd"));
    LaunchFacts facts =
        new DescribedLaunchFacts(
            translated,
            hypervisor,
            List.of(bin),
            files,
            os.equals("linux") ? LINUX_QEMU : DARWIN_QEMU);
    return base.withLaunch(os, arch, facts);
  }

  /** One line saying what a described host is assumed to have. */
  public static String summary(Host host) {
    String qemu =
        host.findExecutable("qemu-system-" + host.cpuArch()).map(Path::toString).orElse("no QEMU");
    return "described host "
        + host.os()
        + "/"
        + host.arch()
        + (host.launch().translatedJvm() ? " (JVM translated by Rosetta)" : "")
        + ": "
        + qemu
        + " "
        + host.launch().qemuVersion(Path.of(qemu)).map(QemuVersion::toString).orElse("")
        + ", hypervisor "
        + (host.launch().hypervisor(Path.of(qemu)) ? "available" : "not available");
  }
}
