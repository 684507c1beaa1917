package dev.berth.cli;

import dev.berth.qemu.GuestAgentClient;
import java.nio.file.Path;
import java.time.Duration;

/** How far a running machine's clock is from the host's. */
final class GuestClockOffset {
  private GuestClockOffset() {}

  /**
   * The guest clock minus the host's, in seconds: read through qemu-guest-agent's socket beside the
   * machine's API socket {@code api} (a round trip of milliseconds; a {@code berth ssh date} runs
   * its date late in a second-long JVM start and login, which biases the host's halfway time), the
   * host's read halfway through.
   */
  static double seconds(Path api) throws Exception {
    Path socket = api.resolveSibling("qga.sock");
    try (GuestAgentClient guestAgent = GuestAgentClient.connect(socket, Duration.ofSeconds(30))) {
      long before = System.currentTimeMillis();
      long guestNanos = guestAgent.execute("guest-get-time", null).asLong();
      long after = System.currentTimeMillis();
      return guestNanos / 1e9 - (before + after) / 2000.0;
    }
  }
}
