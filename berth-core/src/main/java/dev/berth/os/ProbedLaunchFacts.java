package dev.berth.os;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The launch facts of the host this JVM runs on, each looked up when first asked and then kept:
 * most commands never launch anything, and the hypervisor probe on Linux starts a QEMU.
 */
public final class ProbedLaunchFacts implements LaunchFacts {
  private static final Path SYSCTL = Path.of("/usr/sbin/sysctl");
  private static final Path DEV_KVM = Path.of("/dev/kvm");
  private static final long PROBE_MILLIS = 1500;

  private final String os;
  private final String pathVariable;
  private final Map<String, Object> known = new ConcurrentHashMap<>();

  public ProbedLaunchFacts(String os, String pathVariable) {
    this.os = os;
    this.pathVariable = pathVariable == null ? "" : pathVariable;
  }

  @Override
  public boolean translatedJvm() {
    return (Boolean)
        known.computeIfAbsent(
            "translated",
            key -> "darwin".equals(os) && "1".equals(sysctl("sysctl.proc_translated")));
  }

  @Override
  public boolean hypervisor(Path qemu) {
    return (Boolean)
        known.computeIfAbsent(
            "hypervisor:" + qemu,
            key -> "darwin".equals(os) ? "1".equals(sysctl("kern.hv_support")) : kvmWorks(qemu));
  }

  @Override
  public List<Path> path() {
    List<Path> dirs = new ArrayList<>();
    for (String entry : pathVariable.split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        dirs.add(Path.of(entry));
      }
    }
    return dirs;
  }

  @Override
  public boolean isExecutable(Path file) {
    return Files.isRegularFile(file) && Files.isExecutable(file);
  }

  @Override
  public boolean isReadable(Path file) {
    return Files.isRegularFile(file) && Files.isReadable(file);
  }

  @Override
  @SuppressWarnings("unchecked")
  public Optional<QemuVersion> qemuVersion(Path qemu) {
    return (Optional<QemuVersion>)
        known.computeIfAbsent(
            "version:" + qemu,
            key -> run(List.of(qemu.toString(), "--version")).flatMap(QemuVersion::parse));
  }

  /**
   * {@code sysctl -n NAME}, or "" where the name does not exist (proc_translated on Intel Macs).
   */
  private static String sysctl(String name) {
    return run(List.of(SYSCTL.toString(), "-n", name)).map(String::strip).orElse("");
  }

  /**
   * A device node is not proof: nested hosts expose one whose vCPUs fail to start. QEMU that is
   * still alive, paused, after a moment has set up a KVM vCPU; one that cannot aborts at once.
   */
  private static boolean kvmWorks(Path qemu) {
    if (!Files.isReadable(DEV_KVM) || !Files.isWritable(DEV_KVM)) {
      return false;
    }
    try {
      Process probe =
          new ProcessBuilder(
                  qemu.toString(),
                  "-machine",
                  "accel=kvm",
                  "-cpu",
                  "host",
                  "-nodefaults",
                  "-display",
                  "none",
                  "-S",
                  "-monitor",
                  "none",
                  "-serial",
                  "none")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      boolean exited = probe.waitFor(PROBE_MILLIS, TimeUnit.MILLISECONDS);
      probe.destroyForcibly().waitFor();
      return !exited;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A command's standard output when it exits 0 within a few seconds. */
  private static Optional<String> run(List<String> argv) {
    try {
      Process process =
          new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      process.getOutputStream().close();
      byte[] out = process.getInputStream().readNBytes(4096);
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return Optional.empty();
      }
      return process.exitValue() == 0
          ? Optional.of(new String(out, StandardCharsets.UTF_8))
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
