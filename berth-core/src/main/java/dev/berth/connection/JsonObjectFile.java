package dev.berth.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A client's JSON settings file: one object, or nothing yet (no file, or an empty one). */
final class JsonObjectFile {
  private static final ObjectMapper MAPPER = Json.plain();

  private JsonObjectFile() {}

  static ObjectNode read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return MAPPER.createObjectNode();
    }
    byte[] bytes = Files.readAllBytes(file);
    if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      return MAPPER.createObjectNode();
    }
    JsonNode tree = MAPPER.readTree(bytes);
    if (!(tree instanceof ObjectNode object)) {
      throw new IOException(file + " is not a JSON object");
    }
    return object;
  }
}
