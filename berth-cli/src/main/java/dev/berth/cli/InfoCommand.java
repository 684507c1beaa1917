package dev.berth.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.Json;
import dev.berth.cli.render.GoTemplate;
import dev.berth.cli.render.JsonOutput;
import dev.berth.report.MachineInfo;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = "Show information about the host and its machines.")
final class InfoCommand extends BaseCommand {
  @Mixin OutputOptions.Format format;

  @Override
  public Integer call() throws Exception {
    MachineInfo info = MachineInfo.of(machines());
    if (format.value() == null) {
      out()
          .print(Json.yaml().writeValueAsString(lowerCaseKeys((ObjectNode) JsonOutput.tree(info))));
      out().flush();
    } else if ("json".equals(format.value())) {
      out().println(JsonOutput.indented(info, "  "));
    } else {
      out().println(GoTemplate.parse(format.value()).render(JsonOutput.tree(info)));
    }
    return 0;
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
