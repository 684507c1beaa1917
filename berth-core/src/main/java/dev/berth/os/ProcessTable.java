package dev.berth.os;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Processes Berth did not start in this JVM (a machine's agent, its QEMU), found by pid. A pid is
 * reused once its process has exited, so a process counts as the one a pid file names only when its
 * arguments say so.
 */
public interface ProcessTable {
  /**
   * Whether {@code pid} runs with arguments that {@code identity} accepts. A process whose
   * arguments the OS does not tell is not ours: the OS tells them of every process of this user.
   */
  boolean runs(long pid, Predicate<List<String>> identity);

  /** Waits up to {@code timeout} for {@code pid} to exit; returns whether it has. */
  boolean awaitExit(long pid, Duration timeout);

  /**
   * Asks {@code pid} to exit (SIGTERM), waits up to {@code grace}, then kills it (SIGKILL); returns
   * whether it has exited.
   */
  boolean end(long pid, Duration grace);
}
