package dev.berth.qemu;

/**
 * How QEMU runs the guest's instructions: a hypervisor when the host has one, else software. {@link
 * QemuHost#accelerator} chooses.
 */
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
}
