package dev.berth.qemu;

import dev.berth.BerthException;
import dev.berth.os.Host;
import dev.berth.os.QemuVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What this host's QEMU can do for a guest, decided from the host model alone: which binary, which
 * accelerator, whether its version will do, how much memory the hypervisor takes, which firmware.
 * Every host-specific choice of a machine's launch is made here or in {@link Host}.
 */
public final class QemuHost {
  /** {@code -netdev stream} (how QEMU reaches berth-net) arrived in QEMU 7.2. */
  public static final QemuVersion MINIMUM = new QemuVersion(7, 2, 0);

  /**
   * Earlier releases' HVF on Apple Silicon hangs or crashes guests (podman and Lima require it).
   */
  public static final QemuVersion APPLE_SILICON_MINIMUM = new QemuVersion(8, 2, 1);

  /**
   * The most memory an aarch64 guest gets under HVF. Apple Silicon's default guest physical address
   * (IPA) size is 36 bits, 64 GiB (Hypervisor.framework's hv_vm_config_get_default_ipa_size, which
   * QEMU's target/arm/hvf uses for the virt board); virt puts RAM at 1 GiB and needs room above it
   * for its redistributors and PCIe configuration space, so 62 GiB is what fits on every such Mac.
   */
  public static final long HVF_AARCH64_MAX_MEMORY_MIB = 62L * 1024;

  /** A platform and what the user should be told about it. */
  public record Setup(QemuCommand.Platform platform, List<String> warnings) {}

  private QemuHost() {}

  /** The QEMU binary for {@code guestArch}, if the host has one. */
  public static Optional<Path> binary(Host host, String guestArch) {
    return host.findExecutable(QemuCommand.binary(guestArch));
  }

  /**
   * The hypervisor for a guest of the processor's own architecture when the host has one (HVF on
   * macOS, KVM on Linux), else software emulation (TCG).
   */
  public static Accelerator accelerator(Host host, String guestArch) {
    if (!guestArch.equals(host.cpuArch())) {
      return Accelerator.TCG;
    }
    Optional<Path> qemu = binary(host, guestArch);
    if (qemu.isEmpty() || !host.launch().hypervisor(qemu.get())) {
      return Accelerator.TCG;
    }
    return host.isMacOs() ? Accelerator.HVF : Accelerator.KVM;
  }

  /**
   * The accelerator for a guest of {@code guestArch} where {@code hostAccelerator} is what the host
   * offers guests of its own architecture: another architecture's guest is always emulated (TCG),
   * since neither HVF nor KVM runs a foreign instruction set.
   */
  public static Accelerator forGuest(Host host, String guestArch, Accelerator hostAccelerator) {
    return guestArch.equals(host.cpuArch()) ? hostAccelerator : Accelerator.TCG;
  }

  /** What the user is told when a guest's architecture is not the host processor's. */
  public static Optional<String> emulationWarning(Host host, String guestArch) {
    if (guestArch.equals(host.cpuArch())) {
      return Optional.empty();
    }
    return Optional.of(
        "an "
            + guestArch
            + " machine on an "
            + host.cpuArch()
            + " host: QEMU emulates its CPU in software (TCG), which is far slower than the host's"
            + " own");
  }

  /**
   * Everything the command line needs from the host for a guest of {@code guestArch} run with
   * {@code accelerator} ({@link #accelerator}, chosen by {@code berth start}); refuses what cannot
   * run here with a hint. {@code firmwareVariables} is where the machine's UEFI variable store is
   * kept, for a guest that boots through firmware.
   */
  public static Setup platform(
      Host host,
      String guestArch,
      Accelerator accelerator,
      long memoryMiB,
      Path firmwareVariables) {
    Path qemu =
        binary(host, guestArch)
            .orElseThrow(
                () ->
                    new BerthException(
                        QemuCommand.binary(guestArch) + " not found in " + host.executableDirs(),
                        "install QEMU (Debian: apt-get install qemu-system; macOS: brew install qemu)"));
    List<String> warnings = new ArrayList<>();
    if (host.launch().translatedJvm()) {
      warnings.add(
          "this Java runs translated by Rosetta (x86_64 on Apple Silicon): machines use the Mac's"
              + " own architecture, aarch64; an arm64 JDK avoids the translation");
    }
    checkVersion(host, qemu, warnings);
    Optional<String> emulated = emulationWarning(host, guestArch);
    if (emulated.isPresent()) {
      warnings.add(emulated.get());
    } else if (accelerator.isSoftware() && host.isMacOs()) {
      warnings.add(
          "Hypervisor.framework is not available here (sysctl kern.hv_support is not 1, as in"
              + " most macOS virtual machines and CI runners)");
    }
    if (accelerator == Accelerator.HVF
        && guestArch.equals("aarch64")
        && memoryMiB > HVF_AARCH64_MAX_MEMORY_MIB) {
      throw new BerthException(
          "machine memory "
              + memoryMiB
              + " MiB is more than HVF gives an aarch64 guest ("
              + HVF_AARCH64_MAX_MEMORY_MIB
              + " MiB: Apple Silicon's 36-bit guest address space)",
          "lower it with: berth set --memory " + HVF_AARCH64_MAX_MEMORY_MIB + " NAME");
    }
    Firmware.Uefi uefi =
        guestArch.equals("aarch64") ? Firmware.aarch64(host, qemu).orElse(null) : null;
    Path variables = uefi != null && uefi.varsTemplate() != null ? firmwareVariables : null;
    return new Setup(
        new QemuCommand.Platform(
            qemu.toString(), guestArch, accelerator, host.namesQemuProcess(), uefi, variables),
        warnings);
  }

  private static void checkVersion(Host host, Path qemu, List<String> warnings) {
    Optional<QemuVersion> version = host.launch().qemuVersion(qemu);
    if (version.isEmpty()) {
      warnings.add(
          "cannot tell the version of " + qemu + " (its --version failed); Berth needs " + MINIMUM);
      return;
    }
    if (version.get().isBefore(MINIMUM)) {
      throw new BerthException(
          qemu
              + " is QEMU "
              + version.get()
              + "; Berth needs "
              + MINIMUM
              + " or later"
              + " (-netdev stream)",
          "upgrade QEMU (macOS: brew upgrade qemu; Debian 12 and Ubuntu 23.04 ship 7.2)");
    }
    if (host.isMacOs()
        && host.cpuArch().equals("aarch64")
        && version.get().isBefore(APPLE_SILICON_MINIMUM)) {
      warnings.add(
          "QEMU "
              + version.get()
              + " on Apple Silicon: HVF is reliable from "
              + APPLE_SILICON_MINIMUM
              + " on; upgrade with: brew upgrade qemu");
    }
  }
}
