package dev.berth.agent.server;

import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Powers a machine off, a clean shutdown first so that the guest's file systems are consistent:
 * {@code poweroff} over SSH when the session is up, else the ACPI power button; after a grace
 * period QMP {@code quit}; then kill.
 */
final class PowerOff {
  private static final Logger LOG = LoggerFactory.getLogger(PowerOff.class);
  static final String POWEROFF_COMMAND = "sudo -n systemctl poweroff || systemctl poweroff";
  private static final Duration QUIT_GRACE = Duration.ofSeconds(10);
  private static final Duration KILL_GRACE = Duration.ofSeconds(10);

  private final AgentClock clock;
  private final Duration grace;

  /**
   * @param grace how long the guest may take to power itself off
   */
  PowerOff(AgentClock clock, Duration grace) {
    this.clock = clock;
    this.grace = grace;
  }

  /** {@code shell} and {@code monitor} may be null: the start did not get that far. */
  void run(QemuProcess qemu, GuestShell shell, GuestMonitor monitor) {
    try {
      if (shell != null && shell.isOpen()) {
        try {
          shell.exec(POWEROFF_COMMAND, Duration.ofSeconds(10));
        } catch (IOException e) {
          LOG.debug("poweroff over SSH ended the session: {}", e.toString());
        }
      } else if (monitor != null) {
        monitor.powerDown();
      }
      if (exits(qemu, grace)) {
        return;
      }
      LOG.warn("the guest did not power off within {} s; quitting QEMU", grace.toSeconds());
      if (monitor != null) {
        monitor.quit();
        if (exits(qemu, QUIT_GRACE)) {
          return;
        }
      }
    } catch (IOException e) {
      LOG.warn("QMP failed while stopping: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    qemu.kill();
    try {
      exits(qemu, KILL_GRACE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean exits(QemuProcess qemu, Duration within) throws InterruptedException {
    return clock.awaitAny(clock.now().plus(within), qemu.onExit());
  }
}
