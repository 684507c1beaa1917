package dev.berth.report;

import dev.berth.machine.MachineConfig;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** What the reports share: podman's spellings of times, streams and the VM type. */
final class Reports {
  static final String VM_TYPE = "qemu";

  /** Go's zero time, which podman prints for a machine that never ran. */
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private Reports() {}

  static String time(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant);
  }

  static String lastUp(MachineConfig c) {
    return c.lastUp() == null ? ZERO_TIME : time(c.lastUp());
  }

  static String stream(MachineConfig c) {
    return c.image() == null || c.image().stream() == null ? "default" : c.image().stream();
  }
}
