package dev.berth.cli;

import dev.berth.machine.MachineName;
import picocli.CommandLine.Parameters;

/** The optional NAME every single-machine verb takes, checked as it is parsed. */
final class MachineNameParameter {
  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      defaultValue = MachineName.DEFAULT,
      converter = MachineNameConverter.class,
      description = "Name of the machine (default: " + MachineName.DEFAULT + ").")
  String name; // initialized by picocli

  String name() {
    return name;
  }
}
