package dev.berth.agent.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing what the agent owns on its way out, where a failure to close changes nothing. */
final class Quietly {
  private static final Logger LOG = LoggerFactory.getLogger(Quietly.class);

  private Quietly() {}

  /** Closes {@code closeable} if there is one, logging a failure. */
  static void close(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.debug("closing {}: {}", closeable, e.toString());
    }
  }
}
