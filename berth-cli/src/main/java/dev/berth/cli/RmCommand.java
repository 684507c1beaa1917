package dev.berth.cli;

import dev.berth.cli.render.ProgressRenderer;
import dev.berth.machine.MachineName;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a machine.")
final class RmCommand extends BaseCommand {
  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      defaultValue = MachineName.DEFAULT,
      converter = MachineNameConverter.class)
  String name; // initialized by picocli

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
    List<Path> files = machines().filesToRemove(name, saveImage, saveIgnition);
    if (!force) {
      machines().status(name);
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
            name,
            force,
            saveImage,
            saveIgnition,
            () -> context().lifecycle().stopWhatRuns(name, ProgressRenderer.of(err(), false, false)));
    return 0;
  }
}
