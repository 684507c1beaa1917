package dev.berth.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PowerOffTest {
  private static final Duration GRACE = Duration.ofSeconds(60);

  private final FakeAgentClock clock = FakeAgentClock.jumpsToDeadlines();
  private final FakeQemu qemu = new FakeQemu();
  private final PowerOff powerOff = new PowerOff(clock, GRACE);

  @Test
  void noSession_powerButton_guestPowersOff_nothingMore() {
    FakeMonitor monitor = new FakeMonitor(qemu, true, true);
    Instant start = clock.now();

    powerOff.run(qemu, null, monitor);

    assertThat(monitor.commands).containsExactly("system_powerdown");
    assertThat(qemu.killed).isFalse();
    assertThat(clock.now()).isEqualTo(start);
  }

  @Test
  void guestIgnoresThePowerButton_quitAfterTheGracePeriod() {
    FakeMonitor monitor = new FakeMonitor(qemu, false, true);
    Instant start = clock.now();

    powerOff.run(qemu, null, monitor);

    assertThat(monitor.commands).containsExactly("system_powerdown", "quit");
    assertThat(clock.now()).isEqualTo(start.plus(GRACE));
    assertThat(qemu.killed).isFalse();
  }

  @Test
  void qemuIgnoresQuit_killed() {
    FakeMonitor monitor = new FakeMonitor(qemu, false, false);

    powerOff.run(qemu, null, monitor);

    assertThat(monitor.commands).containsExactly("system_powerdown", "quit");
    assertThat(qemu.killed).isTrue();
    assertThat(qemu.isAlive()).isFalse();
  }

  @Test
  void sessionOpen_poweroffOverSsh_notThePowerButton() {
    FakeMonitor monitor = new FakeMonitor(qemu, true, true);
    FakeShell shell = new FakeShell(qemu);

    powerOff.run(qemu, shell, monitor);

    assertThat(shell.commands).containsExactly(PowerOff.POWEROFF_COMMAND);
    assertThat(monitor.commands).isEmpty();
    assertThat(qemu.killed).isFalse();
  }

  @Test
  void sessionOpen_containersStoppedWithinABoundFirst_andTheCommandIsGivenThatLong() {
    FakeShell shell = new FakeShell(qemu);

    powerOff.run(qemu, shell, new FakeMonitor(qemu, true, true));

    String command = shell.commands.get(0);
    assertThat(command)
        .startsWith("timeout " + PowerOff.CONTAINER_STOP.toSeconds() + " ")
        .contains("podman stop --all")
        .contains("sudo -n podman stop --all");
    assertThat(command.indexOf("podman stop")).isLessThan(command.indexOf("systemctl poweroff"));
    assertThat(shell.timeouts.get(0)).isGreaterThan(PowerOff.CONTAINER_STOP);
  }

  @Test
  void noMonitor_guestIgnoresEverything_killedAfterTheGracePeriod() {
    Instant start = clock.now();

    powerOff.run(qemu, null, null);

    assertThat(qemu.killed).isTrue();
    assertThat(clock.now()).isAfterOrEqualTo(start.plus(GRACE));
  }
}
