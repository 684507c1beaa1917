package dev.berth.qemu;

import dev.berth.os.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * UEFI firmware for aarch64 guests that boot through a boot loader (Fedora CoreOS): the code,
 * read-only, and a template of the variable store, of which each machine gets its own copy.
 */
public final class Firmware {
  /** The firmware's code and the template of its variable store (null where none ships). */
  public record Uefi(Path code, Path varsTemplate) {}

  /**
   * Where packages put them, after QEMU's own share directory beside the binary in use (Homebrew,
   * MacPorts, a QEMU built from source; as Lima looks): Debian/Ubuntu (AAVMF), Fedora (edk2),
   * Debian's older qemu-efi-aarch64, which has no variable store template.
   */
  static final List<Uefi> SYSTEM_AARCH64 =
      List.of(
          new Uefi(
              Path.of("/usr/share/AAVMF/AAVMF_CODE.fd"), Path.of("/usr/share/AAVMF/AAVMF_VARS.fd")),
          new Uefi(
              Path.of("/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw"),
              Path.of("/usr/share/edk2/aarch64/vars-template-pflash.raw")),
          new Uefi(Path.of("/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"), null));

  private Firmware() {}

  /** The candidates in the order they are tried, for the QEMU binary {@code qemu}. */
  static List<Uefi> aarch64Candidates(Path qemu) {
    List<Uefi> candidates = new ArrayList<>();
    Path bin = qemu.toAbsolutePath().getParent();
    if (bin != null && bin.getParent() != null) {
      Path share = bin.getParent().resolve("share/qemu");
      candidates.add(
          new Uefi(share.resolve("edk2-aarch64-code.fd"), share.resolve("edk2-arm-vars.fd")));
    }
    candidates.addAll(SYSTEM_AARCH64);
    return candidates;
  }

  /** The first candidate whose code is readable here; its template only if readable too. */
  public static Optional<Uefi> aarch64(Host host, Path qemu) {
    for (Uefi candidate : aarch64Candidates(qemu)) {
      if (host.launch().isReadable(candidate.code())) {
        Path vars = candidate.varsTemplate();
        return Optional.of(
            new Uefi(
                candidate.code(), vars != null && host.launch().isReadable(vars) ? vars : null));
      }
    }
    return Optional.empty();
  }

  /**
   * The machine's own variable store at {@code vars}: copied from the template at its first
   * firmware boot, kept after (boot entries live there), removed with the machine's data.
   */
  public static void ensureVariables(Path template, Path vars) throws IOException {
    if (Files.exists(vars)) {
      return;
    }
    Path partial = vars.resolveSibling(vars.getFileName() + ".partial");
    Files.deleteIfExists(partial);
    Files.createFile(
        partial,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (var in = Files.newInputStream(template);
        var out = Files.newOutputStream(partial)) {
      in.transferTo(out);
    }
    Files.move(partial, vars, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
