package dev.berth.os;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Launch facts stated rather than probed: a host in a unit test, or one a user describes to {@code
 * berth debug qemu-command --host}. Only {@code files} exist (executable and readable); every QEMU
 * among them is {@code qemuVersion}.
 */
public record DescribedLaunchFacts(
    boolean translatedJvm,
    boolean hypervisor,
    List<Path> path,
    Set<Path> files,
    QemuVersion version)
    implements LaunchFacts {

  public DescribedLaunchFacts {
    path = List.copyOf(path);
    files = Set.copyOf(files);
  }

  /** A host where nothing is installed and no hypervisor exists. */
  public static DescribedLaunchFacts bare() {
    return new DescribedLaunchFacts(false, false, List.of(), Set.of(), null);
  }

  @Override
  public boolean hypervisor(Path qemu) {
    return hypervisor;
  }

  @Override
  public boolean isExecutable(Path file) {
    return files.contains(file);
  }

  @Override
  public boolean isReadable(Path file) {
    return files.contains(file);
  }

  @Override
  public Optional<QemuVersion> qemuVersion(Path qemu) {
    return files.contains(qemu) ? Optional.ofNullable(version) : Optional.empty();
  }
}
