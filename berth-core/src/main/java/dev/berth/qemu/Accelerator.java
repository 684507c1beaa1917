package dev.berth.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** How QEMU runs the guest's instructions: a hypervisor when the host has one, else software. */
public enum Accelerator {
  HVF("hvf"),
  KVM("kvm"),
  TCG("tcg");

  private final String qemuName;

  Accelerator(String qemuName) {
    this.qemuName = qemuName;
  }

  public String qemuName() {
    return qemuName;
  }

  /** Software emulation is 10–50× slower: timeouts scale with this. */
  public boolean isSoftware() {
    return this == TCG;
  }

  /**
   * The best accelerator this host offers: HVF on macOS; KVM where {@code /dev/kvm} can be opened
   * for reading and writing and QEMU really starts a virtual CPU with it ({@code kvmWorks});
   * else TCG. A device node is not proof: nested hosts expose one whose vCPUs fail to start.
   */
  public static Accelerator probe(String hostOs, Path devKvm, BooleanSupplier kvmWorks) {
    if ("darwin".equals(hostOs)) {
      return HVF;
    }
    return Files.isReadable(devKvm) && Files.isWritable(devKvm) && kvmWorks.getAsBoolean()
        ? KVM
        : TCG;
  }

  /**
   * Whether QEMU can set up a KVM vCPU here: a paused machine that is still alive after a moment.
   * A host whose KVM cannot take the vCPU's registers makes QEMU abort at once.
   */
  public static boolean qemuStartsWithKvm(String qemuBinary) {
    try {
      Process qemu =
          new ProcessBuilder(
                  qemuBinary, "-machine", "accel=kvm", "-cpu", "host", "-nodefaults",
                  "-display", "none", "-S", "-monitor", "none", "-serial", "none")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      boolean exited = qemu.waitFor(KVM_PROBE_MILLIS, TimeUnit.MILLISECONDS);
      qemu.destroyForcibly().waitFor();
      return !exited;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static final long KVM_PROBE_MILLIS = 1500;
}
