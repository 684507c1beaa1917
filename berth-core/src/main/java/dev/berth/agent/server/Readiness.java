package dev.berth.agent.server;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named checks, in order, under one deadline, as a composed wait strategy waits for all of its
 * parts: the machine is ready when the last one holds, and the first that fails ends the start.
 */
final class Readiness {
  private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);

  private final List<ReadinessCheck> checks;

  Readiness(List<ReadinessCheck> checks) {
    this.checks = List.copyOf(checks);
  }

  void await(Deadline deadline) {
    for (ReadinessCheck check : checks) {
      check.await(deadline);
      LOG.debug("ready: {}", check.name());
    }
  }
}
