package dev.berth.cli;

import dev.berth.cli.render.ProgressRenderer;
import dev.berth.machine.MachineName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a machine.")
final class StopCommand extends BaseCommand {
  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      defaultValue = MachineName.DEFAULT,
      converter = MachineNameConverter.class)
  String name; // initialized by picocli

  @Override
  public Integer call() {
    ProgressRenderer progress = ProgressRenderer.of(err(), context().interactive(), false);
    context().lifecycle().stop(name, progress);
    progress.finish();
    out().println("Machine \"" + name + "\" stopped successfully");
    return 0;
  }
}
