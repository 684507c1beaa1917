package dev.berth.cli;

import dev.berth.cli.render.ProgressRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a machine.")
final class StopCommand extends BaseCommand {
  @Mixin MachineNameParameter machine;

  @Override
  public Integer call() {
    ProgressRenderer progress = ProgressRenderer.of(err(), context().interactive(), false);
    context().lifecycle().stop(machine.name(), progress);
    progress.finish();
    out().println("Machine \"" + machine.name() + "\" stopped successfully");
    return 0;
  }
}
