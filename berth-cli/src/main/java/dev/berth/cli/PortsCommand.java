package dev.berth.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.berth.cli.render.JsonOutput;
import dev.berth.cli.render.Table;
import dev.berth.machine.MachineName;
import dev.berth.net.forward.Forward;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(
    name = "ports",
    mixinStandardHelpOptions = true,
    description = "List the ports a running machine forwards from the host: its SSH port and the ports"
        + " containers publish.")
final class PortsCommand extends BaseCommand {
  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      defaultValue = MachineName.DEFAULT,
      converter = MachineNameConverter.class)
  String name; // initialized by picocli

  @Option(names = "--format", paramLabel = "json", description = "json: the forwards as gvproxy lists them.")
  String format; // initialized by picocli

  @Override
  public Integer call() {
    List<Forward> forwards = context().lifecycle().ports(name);
    if ("json".equals(format)) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      for (Forward f : forwards) {
        array.addObject().put("local", f.local()).put("remote", f.remote()).put("protocol", f.protocol());
      }
      out().println(JsonOutput.indented(array, "  "));
      return 0;
    }
    if (format != null) {
      throw new ParameterException(
          spec.commandLine(), "unknown --format \"" + format + "\": leave it out for a table, or use json");
    }
    Table table = new Table().row(List.of("HOST", "GUEST", "PROTOCOL"));
    for (Forward f : forwards) {
      // A forward asked for without an IP (podman's "-p 8080:80") listens on loopback only.
      String host = f.local().startsWith(":") ? "127.0.0.1" + f.local() : f.local();
      table.row(List.of(host, f.remote(), f.protocol()));
    }
    table.print(out());
    return 0;
  }
}
