package dev.berth.agent;

import dev.berth.machine.MachineConfig;
import dev.berth.machine.SavedState;
import dev.berth.machine.SavedStateFiles;
import dev.berth.machine.StateFingerprint;
import dev.berth.qemu.QemuMigration;
import dev.berth.qemu.QmpClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The start-time half of a saved machine: before QEMU starts, whether to resume (the saved state
 * matches the machine as it is now) or boot, and why; once QEMU answers, loading the state into it.
 * A state that is not used is deleted: it can never match again once the disk has been booted.
 */
public final class MachineRestorer {
  private MachineRestorer() {}

  /** How the start goes on. */
  public sealed interface Plan permits Boot, Resume {}

  /** A cold boot; {@code reason} says why a saved state was not used, empty when there was none. */
  public record Boot(Optional<String> reason) implements Plan {}

  /** Start QEMU with {@link #incoming} and {@link #load} this state. */
  public record Resume(SavedState saved, Path stateFile) implements Plan {}

  /** {@code qemuArgv}: the command line of a boot that is not the first, without -incoming. */
  public static Plan plan(MachineConfig config, List<String> qemuArgv, SavedStateFiles files)
      throws IOException {
    SavedStateFiles.Verdict verdict = files.check(StateFingerprint.of(config, qemuArgv));
    if (verdict instanceof SavedStateFiles.Usable usable) {
      return new Resume(usable.saved(), usable.stateFile());
    }
    files.remove();
    return new Boot(
        verdict instanceof SavedStateFiles.Unusable unusable
            ? Optional.of(unusable.reason())
            : Optional.empty());
  }

  /** The command line of a QEMU that waits, paused, for a state to be loaded over QMP. */
  public static List<String> incoming(List<String> qemuArgv) {
    List<String> argv = new ArrayList<>(qemuArgv);
    argv.addAll(List.of("-incoming", "defer"));
    return argv;
  }

  /**
   * Loads the saved state into the waiting QEMU, which stays paused until {@link
   * QemuMigration#resume}; the state is deleted then, used or not (QEMU may have started to run on
   * the disk). Throws with the one-line reason when QEMU is another version or refuses the state:
   * then quit this QEMU and boot.
   */
  public static void load(QmpClient qmp, Resume plan, SavedStateFiles files, Duration timeout)
      throws IOException {
    try {
      Optional<String> mismatch = plan.saved().qemuMismatch(QemuMigration.version(qmp));
      if (mismatch.isPresent()) {
        throw new IOException(mismatch.get());
      }
      QemuMigration.restore(qmp, plan.stateFile(), timeout);
    } finally {
      files.remove();
    }
  }
}
