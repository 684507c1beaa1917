package dev.berth.cli;

import dev.berth.machine.MachineName;
import dev.berth.machine.Machines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "set",
    mixinStandardHelpOptions = true,
    description = "Change settings of a stopped machine.")
final class SetCommand extends BaseCommand {
  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      defaultValue = MachineName.DEFAULT,
      converter = MachineNameConverter.class)
  String name; // initialized by picocli

  @Option(names = "--cpus", description = "Number of CPUs.")
  Integer cpus; // initialized by picocli

  @Option(
      names = {"-m", "--memory"},
      paramLabel = "MiB",
      description = "Memory in MiB.")
  Long memory; // initialized by picocli

  @Option(names = "--disk-size", paramLabel = "GiB", description = "Disk size in GiB; it can only grow.")
  Long diskSize; // initialized by picocli

  @Option(
      names = "--rootful",
      arity = "0..1",
      fallbackValue = "true",
      description = "Make the root connection the default (--rootful=false: the user's).")
  Boolean rootful; // initialized by picocli

  @Override
  public Integer call() {
    machines().set(name, new Machines.Changes(cpus, memory, diskSize, rootful));
    return 0;
  }
}
