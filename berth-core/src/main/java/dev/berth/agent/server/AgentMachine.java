package dev.berth.agent.server;

import dev.berth.machine.MachineConfig;
import java.time.Instant;

/** The machine an agent runs, as far as the agent reads and records it. */
public interface AgentMachine {
  String name();

  /** Its description, read when the start begins. */
  MachineConfig config();

  /**
   * Prepares a first boot (the machine never up); returns whether an earlier one was cut short and
   * the machine starts over on a fresh disk.
   */
  boolean beginFirstBoot();

  /** Records when the machine was last up. */
  void recordLastUp(Instant when);

  /** Makes the machine's runtime directory, the user's alone. */
  void createRuntime();
}
