package dev.berth.cli;

import dev.berth.cli.render.ProgressRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a machine.")
final class StopCommand extends BaseCommand {
  @Mixin MachineNameParameter machine;

  @Option(
      names = "--no-save",
      description =
          "Shut the machine down instead of saving it: the next start boots (default: save when"
              + " the machine's --save-state allows, and resume on the next start).")
  boolean noSave; // initialized by picocli

  @Override
  public Integer call() {
    ProgressRenderer progress = ProgressRenderer.of(err(), context().interactive(), false);
    context().lifecycle().stop(machine.name(), !noSave, progress);
    progress.finish();
    out().println("Machine \"" + machine.name() + "\" stopped successfully");
    return 0;
  }
}
