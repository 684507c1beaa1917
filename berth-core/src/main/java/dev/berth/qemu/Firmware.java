package dev.berth.qemu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/** UEFI firmware for aarch64 guests, where QEMU packages put it. */
public final class Firmware {
  /** Debian/Ubuntu (AAVMF, qemu-efi-aarch64), Fedora (edk2), Homebrew on Apple silicon and Intel. */
  static final List<Path> AARCH64_CANDIDATES =
      List.of(
          Path.of("/usr/share/AAVMF/AAVMF_CODE.fd"),
          Path.of("/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"),
          Path.of("/usr/share/edk2/aarch64/QEMU_EFI.fd"),
          Path.of("/opt/homebrew/share/qemu/edk2-aarch64-code.fd"),
          Path.of("/usr/local/share/qemu/edk2-aarch64-code.fd"));

  private Firmware() {}

  /** The first readable candidate, or null when there is none. */
  public static Path aarch64() {
    return aarch64(Files::isReadable);
  }

  static Path aarch64(Predicate<Path> readable) {
    for (Path candidate : AARCH64_CANDIDATES) {
      if (readable.test(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
