package dev.berth.cli;

import dev.berth.machine.MachineName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "start", mixinStandardHelpOptions = true, description = "Start a machine.")
final class StartCommand extends BaseCommand {
  @Parameters(arity = "0..1", paramLabel = "NAME", defaultValue = MachineName.DEFAULT)
  String name; // initialized by picocli

  @Option(names = "--no-info", description = "Print no tips once started.")
  boolean noInfo; // initialized by picocli

  @Option(
      names = {"-q", "--quiet"},
      description = "Print no progress (implies --no-info).")
  boolean quiet; // initialized by picocli

  @Override
  public Integer call() {
    return start(name, this);
  }

  static int start(String name, BaseCommand command) {
    command.machines().status(name);
    throw NotYet.lifecycle("start");
  }
}
