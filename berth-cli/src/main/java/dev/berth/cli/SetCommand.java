package dev.berth.cli;

import dev.berth.machine.Machines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "set",
    mixinStandardHelpOptions = true,
    description = "Change settings of a stopped machine.")
final class SetCommand extends BaseCommand {
  @Mixin MachineNameParameter machine;

  @Option(names = "--cpus", description = "Number of CPUs.")
  Integer cpus; // initialized by picocli

  @Option(
      names = {"-m", "--memory"},
      paramLabel = "MiB",
      description = "Memory in MiB.")
  Long memory; // initialized by picocli

  @Option(
      names = "--disk-size",
      paramLabel = "GiB",
      description = "Disk size in GiB; it can only grow.")
  Long diskSize; // initialized by picocli

  @Option(
      names = "--rootful",
      arity = "0..1",
      fallbackValue = "true",
      description = "Make the root connection the default (--rootful=false: the user's).")
  Boolean rootful; // initialized by picocli

  @Option(
      names = "--publish-all-addresses",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Let the machine publish ports on every host address, the LAN's too"
              + " (--publish-all-addresses=false: on 127.0.0.1 only).")
  Boolean publishAllAddresses; // initialized by picocli

  @Option(
      names = "--publish-privileged-ports",
      arity = "0..1",
      fallbackValue = "true",
      description = "Let the machine publish host ports below 1024 (=false: from 1024 only).")
  Boolean publishPrivilegedPorts; // initialized by picocli

  @Option(
      names = "--save-state",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Save the machine on stop and resume it on start (--save-state=false: shut down and boot;"
              + " drops a state already saved).")
  Boolean saveState; // initialized by picocli

  @Override
  public Integer call() {
    machines()
        .set(
            machine.name(),
            new Machines.Changes(
                cpus,
                memory,
                diskSize,
                rootful,
                publishAllAddresses,
                publishPrivilegedPorts,
                saveState));
    return 0;
  }
}
