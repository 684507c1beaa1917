package dev.berth.agent.server;

import dev.berth.MachineEvent;
import dev.berth.agent.MachineRestorer;
import dev.berth.agent.MachineSaver;
import dev.berth.machine.MachineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of a saved machine: a start resumes its saved state when one matches (else the
 * agent boots, saying why in one line), a stop saves it when its setting allows (else the agent
 * powers it off, saying why). On resume the guest runs again only once what it relies on outside is
 * back (its lease and published ports on the network), then its clock is set at once while its
 * volumes are mounted again (over SSH) and the API socket listens: the guest's own readiness (its
 * Ready line, its boot) is already behind it. Without volumes the API needs no SSH login (podman's
 * API is on its own guest port, {@link dev.berth.ignition.HostApiSocket}): the agent logs in after
 * the machine is ready.
 */
final class SavedMachine {
  private static final Logger LOG = LoggerFactory.getLogger(SavedMachine.class);
  private static final Duration REMOUNT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration KILL_GRACE = Duration.ofSeconds(10);

  private final MachineAgent agent;

  SavedMachine(MachineAgent agent) {
    this.agent = agent;
  }

  /**
   * Resumes the machine from its saved state; false when there is none to use or loading it failed:
   * then the machine boots, and the reason was shown. {@code argv}: QEMU's command line of a boot
   * that is not the first.
   */
  boolean resume(MachineConfig config, List<String> argv) {
    MachineRestorer.Plan plan;
    try {
      plan = agent.parts.savedStates().plan(config, argv);
    } catch (IOException e) {
      plan = new MachineRestorer.Boot(Optional.of("cannot read it: " + e.getMessage()));
    }
    if (plan instanceof MachineRestorer.Boot boot) {
      boot.reason()
          .ifPresent(
              reason -> warn("the saved state was not used: " + reason + "; booting afresh"));
      return false;
    }
    MachineRestorer.Resume saved = (MachineRestorer.Resume) plan;
    agent.progress("Resuming the machine from its saved state");
    agent.launchQemu(MachineRestorer.incoming(argv));
    Deadline deadline = agent.deadline();
    agent.connectMonitor(deadline);
    try {
      agent.parts.savedStates().load(config, agent.monitor, saved);
    } catch (IOException e) {
      warn("restoring the saved state failed: " + e.getMessage() + "; booting afresh");
      abandonQemu();
      return false;
    }
    agent.network.restoreGuestForwards(saved.saved().forwards()).forEach(this::warn);
    try {
      agent.monitor.cont();
    } catch (IOException e) {
      throw agent.startFailed("QEMU did not let the restored machine run: " + e.getMessage());
    }
    if (config.mounts().isEmpty()) {
      agent.startApi(config);
      // The machine is ready: its clock is set at once, then the agent logs in for its later
      // work. Each waits for the one guest CPU (setting the clock takes it 0.5 to 1.3 s here
      // under emulation), so neither holds up the API's first answer.
      agent
          .guestClock
          .setSoon()
          .thenAccept(
              set -> {
                if (!set) {
                  warnClock();
                }
                agent.loginInBackground();
              });
    } else {
      setClock();
      // the volumes are back before the API answers: a container started at once may use them
      agent.shell = agent.sshLogin.retry(deadline, () -> false);
      try {
        agent.shell.check(MachineSaver.remountCommand(config.mounts()), REMOUNT_TIMEOUT);
      } catch (IOException e) {
        warn("the volumes are not mounted again: " + e.getMessage());
      }
      agent.startApi(config);
    }
    return true;
  }

  /**
   * After a boot of a machine that saves, with volumes, in which containers run rootless: mounts
   * the volumes again inside podman's namespace so that a later save can release them ({@link
   * MachineSaver#remountForSavingCommand}). When it cannot, the save later says why.
   */
  void afterBoot(MachineConfig config) {
    if (!config.saveState() || config.mounts().isEmpty() || config.rootful()) {
      return;
    }
    try {
      agent.shell.check(MachineSaver.remountForSavingCommand(config.mounts()), REMOUNT_TIMEOUT);
    } catch (IOException e) {
      LOG.warn("volumes not mounted again for saving: {}", e.getMessage());
    }
  }

  /**
   * Saves the running machine if its setting allows; QEMU has quit when this returns having saved.
   * When it did not save, the machine still runs, the reason was shown, and the agent powers it off
   * as usual.
   */
  void save() {
    MachineConfig config = agent.machine.config();
    if (!config.saveState()) {
      return;
    }
    GuestShell shell = agent.shell;
    if (shell == null || !shell.isOpen()) {
      try {
        shell = agent.sshLogin.login();
        agent.shell = shell;
      } catch (IOException e) {
        warn("the machine's state was not saved: SSH does not answer (" + e.getMessage() + ")");
        return;
      }
    }
    agent.progress("Saving the machine's state");
    MachineSaver.Outcome outcome;
    try {
      outcome =
          agent
              .parts
              .savedStates()
              .save(
                  config,
                  agent.laterBootArgv,
                  agent.network.guestForwards(),
                  shell,
                  agent.monitor,
                  agent.qemu,
                  agent.clock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (outcome instanceof MachineSaver.Saved saved) {
      agent.progress(
          "Saved the machine's state ("
              + saved.state().stateBytes() / (1024 * 1024)
              + " MiB): the next start resumes it");
    } else if (outcome instanceof MachineSaver.NotSaved notSaved) {
      warn("the machine's state was not saved: " + notSaved.reason() + "; shutting it down");
    }
  }

  private void setClock() {
    if (!agent.guestClock.setNow()) {
      warnClock();
    }
  }

  private void warnClock() {
    warn("cannot set the machine's clock (is qemu-guest-agent running in it?)");
  }

  /** Ends a QEMU that did not take the state, so that the machine can boot. */
  private void abandonQemu() {
    QemuProcess qemu = agent.qemu;
    qemu.kill();
    try {
      agent.clock.awaitAny(agent.clock.now().plus(KILL_GRACE), qemu.onExit());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Quietly.close(agent.monitor);
    agent.monitor = null;
    try {
      Files.deleteIfExists(agent.files.qmp());
    } catch (IOException e) {
      LOG.debug("cannot delete {}: {}", agent.files.qmp(), e.toString());
    }
  }

  private void warn(String message) {
    LOG.warn(message);
    agent.control.emit(new MachineEvent.Warning(message));
  }
}
