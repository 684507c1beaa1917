package dev.berth.cli;

import dev.berth.cli.render.ProgressRenderer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a machine.")
final class RmCommand extends BaseCommand {
  @Mixin MachineNameParameter machine;

  @Option(
      names = {"-f", "--force"},
      description = "Stop the machine if it runs, and do not ask.")
  boolean force; // initialized by picocli

  @Option(names = "--save-image", description = "Keep the machine's disk.")
  boolean saveImage; // initialized by picocli

  @Option(names = "--save-ignition", description = "Keep the machine's Ignition file.")
  boolean saveIgnition; // initialized by picocli

  @Override
  public Integer call() throws IOException {
    List<Path> files = machines().filesToRemove(machine.name(), saveImage, saveIgnition);
    if (!force) {
      machines().status(machine.name());
      out().println("The following files will be deleted:");
      out().println();
      files.forEach(f -> out().println(f));
      out().println();
      if (!Confirm.ask(this, "Are you sure you want to continue? [y/N] ")) {
        return 0;
      }
    }
    machines()
        .remove(
            machine.name(),
            force,
            saveImage,
            saveIgnition,
            () ->
                context()
                    .lifecycle()
                    .stopWhatRuns(machine.name(), ProgressRenderer.of(err(), false, false)));
    return 0;
  }
}
