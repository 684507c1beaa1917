package dev.berth.cli.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.Json;

/**
 * JSON as Go's {@code json.MarshalIndent} writes it ({@code "key": value}, one element per line),
 * so scripts written against podman's output read ours.
 */
public final class JsonOutput {
  private static final ObjectMapper MAPPER = Json.plain();

  private JsonOutput() {}

  /** A report record (or a tree) as a tree, for Go templates and YAML. */
  public static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  public static String indented(Object value, String indent) {
    DefaultIndenter indenter = new DefaultIndenter(indent, "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter)
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    try {
      return MAPPER.writer(printer).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
