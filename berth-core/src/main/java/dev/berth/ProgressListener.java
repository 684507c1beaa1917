package dev.berth;

/**
 * Receives progress from long operations in core. Core never prints: the CLI renders these events
 * (a progress bar on a terminal, plain lines otherwise, nothing with {@code --quiet}).
 */
public interface ProgressListener {
  /** Ignores everything. */
  ProgressListener NONE =
      new ProgressListener() {
        @Override
        public void step(String message) {}

        @Override
        public void transfer(String task, long done, long total) {}

        @Override
        public void warn(String message) {}
      };

  /** A step has begun, e.g. "Creating disk". */
  void step(String message);

  /**
   * Bytes of a transfer so far; called repeatedly. {@code total} is -1 when unknown; the last call
   * of a transfer has {@code done == total}.
   */
  void transfer(String task, long done, long total);

  /** Something degraded but the operation goes on. */
  void warn(String message);
}
