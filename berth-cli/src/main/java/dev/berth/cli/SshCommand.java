package dev.berth.cli;

import dev.berth.machine.MachineName;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "ssh",
    mixinStandardHelpOptions = true,
    description = "Open a shell in a machine, or run a command there; exits with its status.")
final class SshCommand extends BaseCommand {
  @Option(names = "--username", description = "Log in as this user instead of the machine's.")
  String username; // initialized by picocli

  @Parameters(
      paramLabel = "[NAME] [COMMAND [ARG...]]",
      description = "The machine (default: " + MachineName.DEFAULT + "), then the command.")
  List<String> args; // initialized by picocli

  @Override
  public Integer call() {
    List<String> rest = args == null ? new ArrayList<>() : new ArrayList<>(args);
    String name = MachineName.DEFAULT;
    if (!rest.isEmpty()
        && machines().entries().stream().anyMatch(e -> e.name().equals(rest.get(0)))) {
      name = rest.remove(0);
    }
    out().flush();
    err().flush();
    return context().access().ssh(name, username, rest, context().interactive());
  }
}
