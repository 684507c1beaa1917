package dev.berth.cli;

import dev.berth.BerthException;
import dev.berth.cli.render.GoTemplate;
import dev.berth.cli.render.JsonOutput;
import dev.berth.machine.MachineName;
import dev.berth.machine.MachineStore;
import dev.berth.machine.Machines;
import dev.berth.machine.SavedStateFiles;
import dev.berth.qemu.DiskImages;
import dev.berth.report.MachineInspection;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Show the configuration and state of machines as JSON.")
final class InspectCommand extends BaseCommand {
  @Parameters(
      paramLabel = "NAME",
      arity = "0..*",
      description = "Machines (default: " + MachineName.DEFAULT + ").")
  List<String> names; // initialized by picocli

  @Mixin OutputOptions.Format format;

  @Override
  public Integer call() throws Exception {
    List<String> wanted = names == null || names.isEmpty() ? List.of(MachineName.DEFAULT) : names;
    List<MachineInspection> reports = new ArrayList<>();
    List<BerthException> errors = new ArrayList<>();
    for (String name : wanted) {
      try {
        Machines.Status status = machines().status(name);
        SavedStateFiles saved = new SavedStateFiles(status.config().diskPath());
        reports.add(
            MachineInspection.of(
                status.config(),
                status.state(),
                status.config().guestArch(context().host()),
                machines().dirs().machineConfig(name).resolve(MachineStore.DESCRIPTION),
                machines().apiSocket(name),
                saved.stateFile(),
                saved.size(),
                disk(name)));
      } catch (BerthException e) {
        errors.add(e);
      }
    }
    if (format.value() != null) {
      GoTemplate template = GoTemplate.parse(format.value());
      reports.forEach(r -> out().println(template.render(JsonOutput.tree(r))));
    } else if (!reports.isEmpty()) {
      out().println(JsonOutput.indented(reports, "     "));
    }
    if (!errors.isEmpty()) {
      for (int i = 0; i < errors.size() - 1; i++) {
        err().println("Error: " + errors.get(i).getMessage());
      }
      throw errors.get(errors.size() - 1);
    }
    return 0;
  }

  /** The disk's sizes; a disk qemu-img cannot read leaves them out rather than the machine. */
  private MachineInspection.Disk disk(String name) {
    try {
      DiskImages.Info info = machines().diskInfo(name);
      return new MachineInspection.Disk(info.virtualSize(), info.actualSize());
    } catch (BerthException e) {
      return null;
    }
  }
}
