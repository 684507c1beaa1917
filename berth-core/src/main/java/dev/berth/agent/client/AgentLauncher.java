package dev.berth.agent.client;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts a machine's agent as a process of its own. The implementation knows how this program is
 * run (the JVM, the jar); {@link MachineLifecycle} knows when.
 */
public interface AgentLauncher {
  /**
   * The verb that runs an agent: every launcher puts {@code agent NAME} among the agent's
   * arguments, which is how a pid is recognized as the agent of machine NAME.
   */
  String COMMAND = "agent";

  /**
   * Starts the agent for {@code machine} with {@code args}, detached from the caller's terminal,
   * its output appended to {@code log}.
   */
  ProcessHandle launch(String machine, List<String> args, Path log) throws IOException;
}
