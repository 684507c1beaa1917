package dev.berth.os;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The facts about this host that decide how a machine is launched and that cost a look at the
 * system to learn: whether the JVM is translated (Rosetta), whether a hypervisor is usable, which
 * files exist, what version a QEMU binary is. {@link ProbedLaunchFacts} asks the real host, once
 * each; {@link DescribedLaunchFacts} states them (tests, {@code berth debug qemu-command --host}).
 */
public interface LaunchFacts {
  /** Whether this JVM is an x86_64 process translated by Rosetta on Apple Silicon. */
  boolean translatedJvm();

  /**
   * Whether the host's hypervisor can run a guest of the host's own architecture with {@code qemu}:
   * Hypervisor.framework with {@code kern.hv_support} = 1 on macOS; on Linux a {@code /dev/kvm}
   * this user can open on which QEMU really starts a vCPU.
   */
  boolean hypervisor(Path qemu);

  /** The directories of the {@code PATH} this process was given, in order. */
  List<Path> path();

  boolean isExecutable(Path file);

  boolean isReadable(Path file);

  /** The version {@code qemu --version} reports, or empty when it cannot be run or read. */
  Optional<QemuVersion> qemuVersion(Path qemu);
}
