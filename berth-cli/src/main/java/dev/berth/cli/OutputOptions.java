package dev.berth.cli;

import picocli.CommandLine.Option;

/** The options that choose what a verb prints, shared so that every verb spells them alike. */
final class OutputOptions {
  private OutputOptions() {}

  /** {@code -q}: progress verbs print no progress (and no tips), listing verbs only identifiers. */
  static final class Quiet {
    @Option(
        names = {"-q", "--quiet"},
        description = "Print less: no progress or tips; a listing prints only names (or digests).")
    boolean quiet; // initialized by picocli

    boolean isSet() {
      return quiet;
    }
  }

  /** {@code --format}: "json", or a Go template over the verb's JSON (podman's schema). */
  static final class Format {
    @Option(
        names = {"-f", "--format"},
        description = "\"json\", or a Go template such as '{{.Name}}' over the JSON fields.")
    String format; // initialized by picocli

    /** The format asked for, or null for the verb's table or text. */
    String value() {
      return format;
    }
  }
}
