package dev.berth.agent.server;

import dev.berth.agent.MachineRestorer;
import dev.berth.agent.MachineSaver;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.SavedStateFiles;
import dev.berth.net.forward.Forward;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The machine's saved state as its agent uses it: whether a start resumes, loading the state into a
 * waiting QEMU, and saving the running machine on stop. Real ({@link #beside}) or a test's fake.
 */
public interface SavedStates {
  /** How a start that is not the first goes on; {@code argv}: its QEMU without -incoming. */
  MachineRestorer.Plan plan(MachineConfig config, List<String> argv) throws IOException;

  /** Loads a state into the QEMU behind {@code monitor}, which stays paused; throws the reason. */
  void load(MachineConfig config, GuestMonitor monitor, MachineRestorer.Resume resume)
      throws IOException;

  /** Saves the running machine, QEMU quitting once saved; or says why it did not. */
  MachineSaver.Outcome save(
      MachineConfig config,
      List<String> argv,
      List<Forward> guestForwards,
      GuestShell shell,
      GuestMonitor monitor,
      QemuProcess qemu,
      AgentClock clock)
      throws InterruptedException;

  /**
   * The states beside each machine's disk ({@link SavedStateFiles}); a save or a load may take up
   * to {@code migrationTimeout}.
   */
  static SavedStates beside(Clock clock, Duration migrationTimeout) {
    return new SavedStates() {
      @Override
      public MachineRestorer.Plan plan(MachineConfig config, List<String> argv) throws IOException {
        return MachineRestorer.plan(config, argv, new SavedStateFiles(config.diskPath()));
      }

      @Override
      public void load(MachineConfig config, GuestMonitor monitor, MachineRestorer.Resume resume)
          throws IOException {
        MachineRestorer.load(
            monitor.client(), resume, new SavedStateFiles(config.diskPath()), migrationTimeout);
      }

      @Override
      public MachineSaver.Outcome save(
          MachineConfig config,
          List<String> argv,
          List<Forward> guestForwards,
          GuestShell shell,
          GuestMonitor monitor,
          QemuProcess qemu,
          AgentClock agentClock)
          throws InterruptedException {
        return new MachineSaver(
                shell::check,
                monitor.client(),
                timeout -> agentClock.awaitAny(agentClock.now().plus(timeout), qemu.onExit()),
                clock,
                migrationTimeout)
            .save(config, argv, guestForwards, new SavedStateFiles(config.diskPath()));
      }
    };
  }
}
