package dev.berth.agent.server;

import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Powers a machine off, a clean shutdown first so that the guest's file systems are consistent:
 * over SSH when the session is up, its containers stopped then {@code poweroff}, else the ACPI
 * power button; after a grace period QMP {@code quit}; then kill.
 */
final class PowerOff {
  private static final Logger LOG = LoggerFactory.getLogger(PowerOff.class);

  /**
   * How long the guest's containers may take to stop before the power-off, all together. Stopped by
   * systemd at shutdown, a container whose process ignores SIGTERM (any PID 1 without a handler,
   * busybox httpd for one) holds the shutdown for systemd's stop timeout, 90 s, which outlasts the
   * agent's grace; {@code podman stop} kills it after the container's own stop timeout (10 s unless
   * it was run with another).
   */
  static final Duration CONTAINER_STOP = Duration.ofSeconds(30);

  /** Rootless and rootful containers stopped at once, then the guest powered off. */
  static final String POWEROFF_COMMAND =
      "timeout "
          + CONTAINER_STOP.toSeconds()
          + " sh -c 'podman stop --all & sudo -n podman stop --all & wait' >/dev/null 2>&1;"
          + " sudo -n systemctl poweroff || systemctl poweroff";

  private static final Duration POWEROFF_COMMAND_LIMIT = CONTAINER_STOP.plusSeconds(10);
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
          shell.exec(POWEROFF_COMMAND, POWEROFF_COMMAND_LIMIT);
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
