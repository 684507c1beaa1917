package dev.berth.agent;

import dev.berth.ignition.SystemdEscape;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.SavedState;
import dev.berth.machine.SavedStateFiles;
import dev.berth.machine.StateFingerprint;
import dev.berth.net.forward.Forward;
import dev.berth.qemu.QemuMigration;
import dev.berth.qemu.QmpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a running machine instead of shutting it down: the guest unmounts its 9p volumes (QEMU
 * refuses to migrate while one is mounted) and syncs, QEMU writes the stopped VM's state beside the
 * disk and quits, and the description of what it was saved from is written last. Anything that
 * stands in the way (saving turned off, a busy volume, QEMU refusing) leaves the VM running and
 * says why in one line, and the caller shuts the machine down as before.
 */
public final class MachineSaver {
  private static final Logger LOG = LoggerFactory.getLogger(MachineSaver.class);
  private static final Duration QUIESCE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(10);

  /** A command in the guest as the machine's SSH user; throws when it fails, with its output. */
  @FunctionalInterface
  public interface GuestCommand {
    void run(String command, Duration timeout) throws IOException;
  }

  /** Waits for QEMU to exit; true if it did within {@code timeout}. */
  @FunctionalInterface
  public interface QemuExit {
    boolean await(Duration timeout) throws InterruptedException;
  }

  /** What a save did. */
  public sealed interface Outcome permits Saved, NotSaved {}

  /** QEMU has quit; the state and its description are on disk. */
  public record Saved(SavedState state) implements Outcome {}

  /** Nothing was saved and the VM still runs (or never stopped): shut it down, saying why. */
  public record NotSaved(String reason) implements Outcome {}

  private final GuestCommand guest;
  private final QmpClient qmp;
  private final QemuExit qemuExit;
  private final Clock clock;
  private final Duration migrationTimeout;

  public MachineSaver(
      GuestCommand guest,
      QmpClient qmp,
      QemuExit qemuExit,
      Clock clock,
      Duration migrationTimeout) {
    this.guest = guest;
    this.qmp = qmp;
    this.qemuExit = qemuExit;
    this.clock = clock;
    this.migrationTimeout = migrationTimeout;
  }

  /**
   * The guest's command that unmounts every volume (through its mount unit, which the restore
   * starts again) and flushes its file systems; a busy volume fails it.
   */
  static String quiesceCommand(List<MachineConfig.Mount> mounts) {
    String stop = mounts.isEmpty() ? "" : "sudo -n systemctl stop " + units(mounts) + " && ";
    return "sync && " + stop + "sync";
  }

  /**
   * The guest's command, run once a booted guest is up, that mounts the volumes again inside
   * rootless podman's namespace so that a later save can release them. Why: podman's pause
   * namespace is made in a user namespace of its own, so the copies of the volumes it takes at its
   * creation are locked to their parents; slirp4netns, started for each running rootless container,
   * sandboxes itself in a copy of that namespace and detaches the old root while it keeps its tun
   * device open, and the locked volumes stay attached to that detached root for as long as the
   * container runs: the guest's 9p client, and QEMU's migration blocker, never go. A volume mounted
   * after the namespace exists reaches it by propagation, unlocked, and is not kept. Nothing is
   * done while a container runs (its copies may hold the old mount: the new one would fail) or when
   * the user has a volume busy (the unmount fails, the volume stays as it was).
   */
  public static String remountForSavingCommand(List<MachineConfig.Mount> mounts) {
    return "if pgrep -x conmon >/dev/null || pgrep -x slirp4netns >/dev/null; then"
        + " echo 'a container runs' >&2; exit 1; fi; podman unshare true && sudo -n systemctl"
        + " restart "
        + units(mounts);
  }

  private static String units(List<MachineConfig.Mount> mounts) {
    return mounts.stream()
        .map(m -> "'" + SystemdEscape.path(m.target()) + ".mount'")
        .collect(Collectors.joining(" "));
  }

  /** The guest's command that mounts the volumes again after a restore. */
  public static String remountCommand(List<MachineConfig.Mount> mounts) {
    return "sudo -n systemctl start " + units(mounts);
  }

  /**
   * Saves the machine described by {@code config}, whose QEMU was started with {@code qemuArgv}
   * (the command line of a boot that is not the first), with the ports the guest has published.
   */
  public Outcome save(
      MachineConfig config,
      List<String> qemuArgv,
      List<Forward> guestForwards,
      SavedStateFiles files)
      throws InterruptedException {
    if (!config.saveState()) {
      return new NotSaved("saving is turned off for this machine (berth set --save-state)");
    }
    try {
      guest.run(quiesceCommand(config.mounts()), QUIESCE_TIMEOUT);
    } catch (IOException e) {
      return new NotSaved("a volume is busy in the machine: " + e.getMessage());
    }
    Path partial;
    String qemuVersion;
    try {
      qemuVersion = QemuMigration.version(qmp);
      partial = files.beginSave();
      QemuMigration.save(qmp, partial, migrationTimeout);
    } catch (IOException e) {
      discard(files);
      remount(config);
      return new NotSaved("QEMU could not save the machine: " + e.getMessage());
    }
    try {
      qmp.execute("quit", QUIT_TIMEOUT);
    } catch (IOException e) {
      LOG.debug("quit after the save: {}", e.toString());
    }
    if (!qemuExit.await(QUIT_TIMEOUT)) {
      // the disk may still change: a state beside it would not match it
      discard(files);
      return new NotSaved("QEMU did not quit after the save");
    }
    try {
      SavedState saved =
          new SavedState(
              SavedState.FORMAT_VERSION,
              clock.instant(),
              Files.size(partial),
              StateFingerprint.of(config, qemuArgv),
              qemuVersion,
              guestForwards);
      files.commit(saved);
      return new Saved(saved);
    } catch (IOException e) {
      discard(files);
      return new NotSaved("cannot write the saved state: " + e.getMessage());
    }
  }

  /** Volumes unmounted for a save that did not happen are mounted again before the shutdown. */
  private void remount(MachineConfig config) {
    if (config.mounts().isEmpty()) {
      return;
    }
    try {
      guest.run(remountCommand(config.mounts()), QUIESCE_TIMEOUT);
    } catch (IOException e) {
      LOG.warn("cannot mount the volumes again: {}", e.getMessage());
    }
  }

  private static void discard(SavedStateFiles files) {
    try {
      files.remove();
    } catch (IOException e) {
      LOG.warn("cannot delete a partial saved state: {}", e.toString());
    }
  }
}
