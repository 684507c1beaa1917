package dev.berth.agent;

import java.util.Locale;

/** How a running machine's guest is connected to the host. */
public enum NetworkMode {
  /** berth-net in the machine's agent: ports published in the guest appear on the host. */
  BERTH,
  /** QEMU's own user-mode network: SSH is forwarded, published ports are not. */
  SLIRP;

  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
