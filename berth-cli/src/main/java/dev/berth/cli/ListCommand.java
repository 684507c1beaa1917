package dev.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.berth.cli.render.GoTemplate;
import dev.berth.cli.render.Humanize;
import dev.berth.cli.render.JsonOutput;
import dev.berth.cli.render.MachineReports;
import dev.berth.cli.render.Table;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import dev.berth.machine.MachineStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "list",
    aliases = "ls",
    mixinStandardHelpOptions = true,
    description = "List machines.")
final class ListCommand extends BaseCommand {
  @Option(
      names = "--format",
      description = "\"json\", or a Go template such as '{{.Name}}\\t{{.LastUp}}'.")
  String format; // initialized by picocli

  @Option(
      names = {"-n", "--noheading"},
      description = "Print no header row.")
  boolean noHeading; // initialized by picocli

  @Option(
      names = {"-q", "--quiet"},
      description = "Print only the names.")
  boolean quiet; // initialized by picocli

  private record Row(MachineConfig config, MachineState state, boolean isDefault) {}

  @Override
  public Integer call() {
    List<Row> rows = new ArrayList<>();
    Optional<String> defaultMachine = machines().defaultMachine();
    for (MachineStore.Entry entry : machines().entries()) {
      if (!entry.readable()) {
        err().println("Warning: skipping machine \"" + entry.name() + "\": " + entry.error().getMessage());
        continue;
      }
      MachineState state = machines().state(entry.name());
      rows.add(new Row(entry.config(), state, defaultMachine.filter(entry.name()::equals).isPresent()));
    }
    rows.sort(
        Comparator.comparing((Row r) -> r.state() == MachineState.STOPPED)
            .thenComparing(
                r -> r.config().lastUp() == null ? Instant.MIN : r.config().lastUp(),
                Comparator.reverseOrder())
            .thenComparing(r -> r.config().name()));

    if (quiet) {
      rows.forEach(r -> out().println(r.config().name()));
      return 0;
    }
    if ("json".equals(format)) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      rows.forEach(r -> array.add(MachineReports.listEntry(r.config(), r.state(), r.isDefault())));
      out().println(JsonOutput.indented(array, "  "));
      return 0;
    }
    if (format != null) {
      GoTemplate template = GoTemplate.parse(format);
      if (template.isTable() && !noHeading) {
        out().println(template.header());
      }
      for (Row r : rows) {
        JsonNode entry = MachineReports.listEntry(r.config(), r.state(), r.isDefault());
        out().println(template.render(entry));
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
              MachineReports.VM_TYPE,
              Humanize.duration(Duration.between(c.created(), now)) + " ago",
              MachineReports.lastUpColumn(c, r.state(), now),
              Integer.toString(c.resources().cpus()),
              Humanize.bytes(c.resources().memoryMiB() << 20),
              Humanize.bytes(c.resources().diskSizeGiB() << 30)));
    }
    table.print(out());
    return 0;
  }
}
