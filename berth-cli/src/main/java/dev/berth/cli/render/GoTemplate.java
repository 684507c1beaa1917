package dev.berth.cli.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.BerthException;
import dev.berth.Json;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of Go's text/template that podman's {@code --format} users write: {@code {{.Field}}},
 * {@code {{.Field.Sub}}}, {@code {{json .Field}}}, {@code {{.}}}, a leading {@code table} for a
 * header row, and {@code \t}/{@code \n} escapes. Values come from the JSON form of the object.
 */
public final class GoTemplate {
  private static final Pattern ACTION = Pattern.compile("\\{\\{\\s*(json\\s+)?(\\.[^}\\s]*)\\s*}}");
  private static final ObjectMapper MAPPER = Json.plain();

  private final String body;
  private final boolean table;

  private GoTemplate(String body, boolean table) {
    this.body = body;
    this.table = table;
  }

  public static GoTemplate parse(String format) {
    String text = format.replace("\\t", "\t").replace("\\n", "\n");
    boolean table = text.startsWith("table ") || text.equals("table");
    String body = table ? text.substring("table".length()).stripLeading() : text;
    Matcher m = ACTION.matcher(body);
    String stripped = m.replaceAll("");
    if (stripped.contains("{{") || stripped.contains("}}")) {
      throw new BerthException(
          "cannot understand the template \"" + format + "\"",
          "use {{.Field}}, {{.Field.Sub}} or {{json .Field}}, or --format json");
    }
    return new GoTemplate(body, table);
  }

  /** Whether the template asked for a header row ({@code table ...}). */
  public boolean isTable() {
    return table;
  }

  /** The header row of a table template: each action replaced by its field name, upper-case. */
  public String header() {
    Matcher m = ACTION.matcher(body);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String path = m.group(2);
      String last = path.substring(path.lastIndexOf('.') + 1);
      m.appendReplacement(out, Matcher.quoteReplacement(headerName(last)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String headerName(String field) {
    return field.replaceAll("([a-z])([A-Z])", "$1 $2").toUpperCase(java.util.Locale.ROOT);
  }

  public String render(JsonNode value) {
    Matcher m = ACTION.matcher(body);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      JsonNode node = resolve(value, m.group(2));
      String text = m.group(1) != null ? json(node) : text(node);
      m.appendReplacement(out, Matcher.quoteReplacement(text));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static JsonNode resolve(JsonNode root, String path) {
    JsonNode node = root;
    for (String field : path.substring(1).split("\\.")) {
      if (field.isEmpty()) {
        continue;
      }
      if (!node.has(field)) {
        throw new BerthException(
            "template field \"" + path + "\" does not exist",
            "fields are named as in --format json output");
      }
      node = node.get(field);
    }
    return node;
  }

  private static String text(JsonNode node) {
    if (node.isNull()) {
      return "<nil>";
    }
    return node.isValueNode() ? node.asText() : json(node);
  }

  private static String json(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
