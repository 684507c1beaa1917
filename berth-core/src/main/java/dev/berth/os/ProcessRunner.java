package dev.berth.os;

import java.time.Duration;
import java.util.List;

/** Runs a program to completion. Takes an argv list; never a shell string. */
public interface ProcessRunner {

  /** The outcome of a finished program. */
  record Result(int exitCode, String stdout, String stderr) {
    public boolean succeeded() {
      return exitCode == 0;
    }
  }

  /**
   * Runs {@code argv} and waits at most {@code timeout}; a program still running then is killed and
   * reported as an {@link java.io.UncheckedIOException}.
   */
  Result run(List<String> argv, Duration timeout);
}
