package dev.berth.cli;

import dev.berth.agent.NetworkMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "start", mixinStandardHelpOptions = true, description = "Start a machine.")
final class StartCommand extends BaseCommand {
  @Mixin MachineNameParameter machine;

  @Option(names = "--no-info", description = "Print no tips once started.")
  boolean noInfo; // initialized by picocli

  @Mixin OutputOptions.Quiet quiet;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description =
          "How long to wait for the machine to be ready (default: 600 without hardware"
              + " virtualization, else 180).")
  Long timeoutSeconds; // initialized by picocli

  @Option(
      names = "--network",
      paramLabel = "berth|slirp",
      converter = NetworkModeConverter.class,
      description =
          "berth (default): Berth's user-mode network, ports published in the machine reach"
              + " the host; slirp: QEMU's own, SSH only.")
  NetworkMode network = NetworkMode.BERTH; // initialized by picocli

  @Option(
      names = "--default",
      description =
          "Make it the machine docker clients find: the current docker context"
              + " (berth-NAME) and the socket Testcontainers looks for.")
  boolean makeDefault; // initialized by picocli

  @Option(
      names = "--cold",
      description =
          "Boot the machine afresh: delete the state the last stop saved instead of resuming it.")
  boolean cold; // initialized by picocli

  @Override
  public Integer call() {
    if (cold) {
      machines().discardSavedState(machine.name());
    }
    return starter()
        .start(
            machine.name(),
            timeoutSeconds,
            network,
            quiet.isSet(),
            noInfo || quiet.isSet(),
            makeDefault);
  }
}
