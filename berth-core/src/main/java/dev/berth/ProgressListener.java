package dev.berth;

/**
 * Receives the events of long operations in core. Core never prints: the CLI renders these events
 * (a progress bar on a terminal, plain lines otherwise, nothing with {@code --quiet}).
 */
@FunctionalInterface
public interface ProgressListener {
  /** Ignores everything. */
  ProgressListener NONE = event -> {};

  void accept(MachineEvent event);
}
