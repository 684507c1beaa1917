package dev.berth.agent.server;

import dev.berth.machine.MachineConfig;
import java.time.Instant;

/** The machine an agent runs, as far as the agent reads and records it. */
public interface AgentMachine {
  String name();

  /** Its description, read when the start begins. */
  MachineConfig config();

  /** Records when the machine was last up. */
  void recordLastUp(Instant when);

  /** Makes the machine's runtime directory, the user's alone. */
  void createRuntime();
}
