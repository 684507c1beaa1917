package dev.berth.cli;

import dev.berth.machine.MachineName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a machine.")
final class StopCommand extends BaseCommand {
  @Parameters(arity = "0..1", paramLabel = "NAME", defaultValue = MachineName.DEFAULT)
  String name; // initialized by picocli

  @Override
  public Integer call() {
    machines().status(name);
    throw NotYet.lifecycle("stop");
  }
}
