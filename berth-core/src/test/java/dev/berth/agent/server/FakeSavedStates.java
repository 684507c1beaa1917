package dev.berth.agent.server;

import dev.berth.agent.MachineRestorer;
import dev.berth.agent.MachineSaver;
import dev.berth.machine.MachineConfig;
import dev.berth.net.forward.Forward;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Saved states as a test sets them: the plan, whether loading fails, what a save does. */
final class FakeSavedStates implements SavedStates {
  volatile MachineRestorer.Plan plan = new MachineRestorer.Boot(Optional.empty());
  volatile IOException loadFailure;
  volatile MachineSaver.Outcome saveOutcome = new MachineSaver.NotSaved("no save in this test");
  final List<MachineRestorer.Resume> loads = new CopyOnWriteArrayList<>();

  /** The QEMU command line each save was given. */
  final List<List<String>> saves = new CopyOnWriteArrayList<>();

  @Override
  public MachineRestorer.Plan plan(MachineConfig config, List<String> argv) {
    return plan;
  }

  @Override
  public void load(MachineConfig config, GuestMonitor monitor, MachineRestorer.Resume resume)
      throws IOException {
    loads.add(resume);
    if (loadFailure != null) {
      throw loadFailure;
    }
  }

  /** A save that saved quits QEMU, as the real one does. */
  @Override
  public MachineSaver.Outcome save(
      MachineConfig config,
      List<String> argv,
      List<Forward> guestForwards,
      GuestShell shell,
      GuestMonitor monitor,
      QemuProcess qemu,
      AgentClock clock) {
    saves.add(argv);
    if (saveOutcome instanceof MachineSaver.Saved) {
      ((FakeQemu) qemu).exit(0);
    }
    return saveOutcome;
  }
}
