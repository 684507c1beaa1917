package dev.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.berth.BerthVersion;
import dev.berth.cli.render.GoTemplate;
import dev.berth.cli.render.JsonOutput;
import dev.berth.cli.render.MachineReports;
import dev.berth.machine.MachineState;
import dev.berth.machine.MachineStore;
import dev.berth.machine.Machines;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = "Show information about the host and its machines.")
final class InfoCommand extends BaseCommand {
  @Option(
      names = {"-f", "--format"},
      description = "\"json\", or a Go template such as '{{.Host.MachineState}}'.")
  String format; // initialized by picocli

  @Override
  public Integer call() throws Exception {
    ObjectNode info = info(machines());
    if (format == null) {
      ObjectMapper yaml =
          new ObjectMapper(
              new YAMLFactory()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
      out().print(yaml.writeValueAsString(lowerCaseKeys(info)));
      out().flush();
    } else if ("json".equals(format)) {
      out().println(JsonOutput.indented(info, "  "));
    } else {
      out().println(GoTemplate.parse(format).render(info));
    }
    return 0;
  }

  private static ObjectNode info(Machines machines) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    ObjectNode host = root.putObject("Host");
    String goArch = goArch(machines.host().arch());
    host.put("Arch", goArch);
    String current = "";
    MachineState currentState = null;
    int count = 0;
    for (MachineStore.Entry entry : machines.entries()) {
      count++;
      MachineState state = machines.state(entry.name());
      if (state != MachineState.STOPPED && current.isEmpty()) {
        current = entry.name();
        currentState = state;
      }
    }
    host.put("CurrentMachine", current);
    host.put("DefaultMachine", machines.defaultMachine().orElse(""));
    host.put("EventsDir", machines.dirs().runtime().toString());
    host.putObject("MachineConfigDir").put("Path", machines.dirs().machinesConfig().toString());
    host.putObject("MachineImageDir").put("Path", machines.dirs().images().toString());
    host.put("MachineState", currentState == null ? "" : currentState.display());
    host.put("NumberOfMachines", count);
    host.put("OS", machines.host().os());
    host.put("VMType", MachineReports.VM_TYPE);
    ObjectNode version = root.putObject("Version");
    version.put("APIVersion", BerthVersion.get());
    version.put("Version", BerthVersion.get());
    version.put("JavaVersion", System.getProperty("java.version"));
    version.put("OsArch", machines.host().os() + "/" + goArch);
    version.put("Os", machines.host().os());
    return root;
  }

  /** Go's architecture names, which podman prints. */
  private static String goArch(String arch) {
    return switch (arch) {
      case "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
  }

  /** Go's YAML encoder lower-cases field names; podman's YAML output follows it. */
  private static ObjectNode lowerCaseKeys(ObjectNode node) {
    ObjectNode out = node.objectNode();
    Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      var field = fields.next();
      var value = field.getValue();
      out.set(
          field.getKey().toLowerCase(Locale.ROOT),
          value instanceof ObjectNode object ? lowerCaseKeys(object) : value);
    }
    return out;
  }
}
