package dev.berth.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "ssh",
    mixinStandardHelpOptions = true,
    description = "Open a shell in a machine, or run a command there.")
final class SshCommand extends BaseCommand {
  @Option(names = "--username", description = "Log in as this user instead of the machine's.")
  String username; // initialized by picocli

  @Parameters(
      paramLabel = "[NAME] [COMMAND [ARG...]]",
      description = "The machine (default: the default machine), then the command.")
  List<String> args; // initialized by picocli

  @Override
  public Integer call() {
    throw NotYet.lifecycle("ssh");
  }
}
