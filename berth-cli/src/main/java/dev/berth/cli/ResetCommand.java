package dev.berth.cli;

import dev.berth.cli.render.ProgressRenderer;
import dev.berth.machine.MachineStore;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "reset",
    mixinStandardHelpOptions = true,
    description = "Remove all machines, cached images and berth's configuration.")
final class ResetCommand extends BaseCommand {
  @Option(
      names = {"-f", "--force"},
      description = "Do not ask.")
  boolean force; // initialized by picocli

  @Override
  public Integer call() throws IOException {
    if (!force) {
      out().println("Warning: this command will delete all existing machines.");
      out().println("The following machines will be deleted:");
      out().println();
      for (MachineStore.Entry entry : machines().entries()) {
        out().println(entry.name());
      }
      out().println();
      out()
          .println(
              "All of berth's files will be deleted: "
                  + machines().dirs().config()
                  + ", "
                  + machines().dirs().data()
                  + ", "
                  + machines().dirs().runtime());
      if (!Confirm.ask(this, "Are you sure you want to continue? [y/N] ")) {
        return 0;
      }
    }
    machines()
        .reset(
            name ->
                context().lifecycle().stopWhatRuns(name, ProgressRenderer.of(err(), false, false)));
    return 0;
  }
}
