package dev.berth.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.berth.cli.render.JsonOutput;
import dev.berth.cli.render.Table;
import dev.berth.net.forward.Forward;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

@Command(
    name = "ports",
    mixinStandardHelpOptions = true,
    description =
        "List the ports a running machine forwards from the host: its SSH port (origin ssh), the"
            + " ports containers publish (podman), the ports programs in the machine listen on"
            + " (auto) and those asked for through the network's API (host).")
final class PortsCommand extends BaseCommand {
  @Mixin MachineNameParameter machine;

  @Mixin OutputOptions.Format format;

  @Override
  public Integer call() {
    List<Forward> forwards = context().access().ports(machine.name());
    if ("json".equals(format.value())) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      for (Forward f : forwards) {
        var entry =
            array
                .addObject()
                .put("local", f.local())
                .put("remote", f.remote())
                .put("protocol", f.protocol());
        if (f.origin() != null) {
          entry.put("origin", f.origin());
        }
      }
      out().println(JsonOutput.indented(array, "  "));
      return 0;
    }
    if (format.value() != null) {
      throw new ParameterException(
          spec.commandLine(),
          "unknown --format \"" + format.value() + "\": leave it out for a table, or use json");
    }
    Table table = new Table().row(List.of("HOST", "GUEST", "PROTOCOL", "ORIGIN"));
    for (Forward f : forwards) {
      // A forward asked for without an IP (podman's "-p 8080:80") listens on loopback only.
      String host = f.local().startsWith(":") ? "127.0.0.1" + f.local() : f.local();
      table.row(List.of(host, f.remote(), f.protocol(), f.origin() == null ? "" : f.origin()));
    }
    table.print(out());
    return 0;
  }
}
