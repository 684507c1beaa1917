package dev.berth.cli;

import dev.berth.BerthException;

/** Verbs whose machinery has not landed yet say so plainly instead of pretending. */
final class NotYet {
  private NotYet() {}

  static BerthException lifecycle(String verb) {
    return new BerthException(
        "berth " + verb + " is not available in this build: running machines arrive with the"
            + " machine lifecycle work",
        "init, list, inspect, set, rm, info and reset work now");
  }
}
