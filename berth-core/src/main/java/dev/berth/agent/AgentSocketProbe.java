package dev.berth.agent;

import dev.berth.machine.BerthDirs;
import dev.berth.machine.MachineState;
import dev.berth.machine.RuntimeFiles;
import dev.berth.machine.StateProbe;
import java.time.Duration;

/**
 * A machine's state is what its host agent says on its control socket. A socket file nobody
 * accepts on is stale: it proves nothing and reads as stopped.
 */
public final class AgentSocketProbe implements StateProbe {
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

  private final BerthDirs dirs;

  public AgentSocketProbe(BerthDirs dirs) {
    this.dirs = dirs;
  }

  @Override
  public MachineState probe(String name) {
    return AgentClient.status(new RuntimeFiles(dirs.machineRuntime(name)), ANSWER_TIMEOUT)
        .map(AgentClient.Status::state)
        .orElse(MachineState.STOPPED);
  }
}
