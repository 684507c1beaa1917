package dev.berth.agent.client;

import dev.berth.machine.BerthDirs;
import dev.berth.machine.MachineState;
import dev.berth.machine.RuntimeFiles;
import dev.berth.machine.StateProbe;
import dev.berth.os.ProcessTable;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A machine's state is what its host agent says on its control socket. An agent that says nothing
 * in time but whose pid still runs is {@link MachineState#UNRESPONSIVE}, not gone: a busy agent
 * must never be cleaned up as a crashed one. A socket file nobody accepts on, with no live agent
 * pid behind it, is stale: it proves nothing and reads as stopped.
 */
public final class AgentSocketProbe implements StateProbe {
  /** How long an agent may take to answer before it counts as unresponsive. */
  public static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

  private final BerthDirs dirs;
  private final ProcessTable processes;
  private final Duration answerTimeout;

  public AgentSocketProbe(BerthDirs dirs, ProcessTable processes, Duration answerTimeout) {
    this.dirs = dirs;
    this.processes = processes;
    this.answerTimeout = answerTimeout;
  }

  @Override
  public MachineState probe(String name) {
    return find(name).map(AgentClient.Status::state).orElse(MachineState.STOPPED);
  }

  /**
   * The machine's live agent: what it answers, or {@link MachineState#UNRESPONSIVE} with the pid
   * from its pid file when it does not answer but runs. Empty only when no agent of the machine
   * runs, so that what it owned may be cleaned up.
   */
  public Optional<AgentClient.Status> find(String name) {
    RuntimeFiles files = new RuntimeFiles(dirs.machineRuntime(name));
    Optional<AgentClient.Status> answer = AgentClient.status(files, answerTimeout);
    if (answer.isPresent()) {
      return answer;
    }
    return recordedPid(files)
        .filter(pid -> runsAsAgentOf(name, pid))
        .map(pid -> new AgentClient.Status(MachineState.UNRESPONSIVE, pid));
  }

  /**
   * Whether {@code pid} is the agent of machine {@code name}: the pid its pid file names, run now
   * as {@code … agent NAME …}. Whatever answers on the control socket may name any pid (a pid
   * reused since the agent exited, a peer that lies): only a pid that passes may be signalled.
   */
  public boolean isAgent(String name, long pid) {
    return recordedPid(new RuntimeFiles(dirs.machineRuntime(name)))
        .filter(recorded -> recorded == pid && runsAsAgentOf(name, pid))
        .isPresent();
  }

  private boolean runsAsAgentOf(String name, long pid) {
    return processes.runs(pid, arguments -> isAgentOf(name, arguments));
  }

  /** Whether a command line runs the agent of machine {@code name}: {@code … agent NAME …}. */
  static boolean isAgentOf(String name, List<String> arguments) {
    for (int i = 0; i + 1 < arguments.size(); i++) {
      if (arguments.get(i).equals(AgentLauncher.COMMAND) && arguments.get(i + 1).equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<Long> recordedPid(RuntimeFiles files) {
    try {
      return Optional.of(Long.parseLong(Files.readString(files.agentPid()).strip()));
    } catch (IOException | NumberFormatException e) {
      // none, or not one an agent wrote: the agent writes its pid file atomically
      return Optional.empty();
    }
  }
}
