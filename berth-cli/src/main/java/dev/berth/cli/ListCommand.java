package dev.berth.cli;

import dev.berth.cli.render.GoTemplate;
import dev.berth.cli.render.Humanize;
import dev.berth.cli.render.JsonOutput;
import dev.berth.cli.render.Table;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import dev.berth.report.MachineList;
import dev.berth.report.MachineList.Row;
import dev.berth.report.MachineListEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "list",
    aliases = "ls",
    mixinStandardHelpOptions = true,
    description = "List machines.")
final class ListCommand extends BaseCommand {
  @Mixin OutputOptions.Format format;

  @Option(
      names = {"-n", "--noheading"},
      description = "Print no header row.")
  boolean noHeading; // initialized by picocli

  @Mixin OutputOptions.Quiet quiet;

  @Override
  public Integer call() {
    List<Row> rows =
        MachineList.of(
            machines(),
            entry ->
                err()
                    .println(
                        "Warning: skipping machine \""
                            + entry.name()
                            + "\": "
                            + entry.error().getMessage()));

    if (quiet.isSet()) {
      rows.forEach(r -> out().println(r.config().name()));
      return 0;
    }
    if ("json".equals(format.value())) {
      out().println(JsonOutput.indented(rows.stream().map(Row::report).toList(), "  "));
      return 0;
    }
    if (format.value() != null) {
      GoTemplate template = GoTemplate.parse(format.value());
      if (template.isTable() && !noHeading) {
        out().println(template.header());
      }
      for (Row r : rows) {
        out().println(template.render(JsonOutput.tree(r.report())));
      }
      return 0;
    }
    Instant now = Instant.now();
    Table table = new Table();
    if (!noHeading) {
      table.row(List.of("NAME", "VM TYPE", "CREATED", "LAST UP", "CPUS", "MEMORY", "DISK SIZE"));
    }
    for (Row r : rows) {
      MachineConfig c = r.config();
      table.row(
          List.of(
              c.name() + (r.isDefault() ? "*" : ""),
              MachineListEntry.VM_TYPE,
              Humanize.duration(Duration.between(c.created(), now)) + " ago",
              lastUpColumn(c, r.state(), now),
              Integer.toString(c.resources().cpus()),
              Humanize.bytes(c.resources().memoryMiB() << 20),
              Humanize.bytes(c.resources().diskSizeGiB() << 30)));
    }
    table.print(out());
    return 0;
  }

  /** The LAST UP column: "Currently running", "Never", or how long ago. */
  private static String lastUpColumn(MachineConfig c, MachineState state, Instant now) {
    return switch (state) {
      case RUNNING, STOPPING -> "Currently running";
      case STARTING -> "Currently starting";
      case UNRESPONSIVE -> "Currently unresponsive";
      case STOPPED ->
          c.lastUp() == null
              ? "Never"
              : Humanize.duration(Duration.between(c.lastUp(), now)) + " ago";
    };
  }
}
