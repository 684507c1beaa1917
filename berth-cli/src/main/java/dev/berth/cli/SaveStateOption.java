package dev.berth.cli;

import picocli.CommandLine.Option;

/** {@code --save-state}, shared by {@code init} and {@code set}. */
final class SaveStateOption {
  @Option(
      names = "--save-state",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Save the running machine on stop and resume it on start (init's default: false;"
              + " --save-state=false: every stop shuts down, every start boots, and a state"
              + " already saved is dropped).")
  Boolean saveState; // initialized by picocli

  /** What was given, or null if the option was not. */
  Boolean value() {
    return saveState;
  }

  /** What was given, or {@code fallback} if the option was not. */
  boolean orElse(boolean fallback) {
    return saveState == null ? fallback : saveState;
  }
}
