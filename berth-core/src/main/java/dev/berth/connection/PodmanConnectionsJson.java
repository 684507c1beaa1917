package dev.berth.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.Json;
import dev.berth.os.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * podman 5's {@code podman-connections.json}: {@code
 * {"Connection":{"Default":…,"Connections":{NAME:
 * {"URI":…,"Identity":…,"IsMachine":true}}},"Farm":{…}}}. Unknown members are kept as they are.
 */
final class PodmanConnectionsJson implements ConnectionFile {
  private static final ObjectMapper MAPPER = Json.plain();

  private final Path file;

  PodmanConnectionsJson(Path file) {
    this.file = file;
  }

  @Override
  public Set<String> names() throws IOException {
    Set<String> names = new LinkedHashSet<>();
    connections(read()).fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Override
  public Optional<String> defaultName() throws IOException {
    String name = connectionRoot(read()).path("Default").asText("");
    return name.isEmpty() ? Optional.empty() : Optional.of(name);
  }

  @Override
  public void add(List<Connection> added) throws IOException {
    ObjectNode root = read();
    ObjectNode connection = connectionRoot(root);
    ObjectNode connections = connections(root);
    for (Connection c : added) {
      ObjectNode entry = connections.putObject(c.name());
      entry.put("URI", c.uri());
      entry.put("Identity", c.identity().toString());
      entry.put("IsMachine", true);
    }
    if (connection.path("Default").asText("").isEmpty() && !added.isEmpty()) {
      connection.put("Default", added.get(0).name());
    }
    write(root);
  }

  @Override
  public void remove(Set<String> names, String fallback) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    ObjectNode root = read();
    ObjectNode connection = connectionRoot(root);
    ObjectNode connections = connections(root);
    connections.remove(names);
    if (names.contains(connection.path("Default").asText(""))) {
      if (connections.has(fallback)) {
        connection.put("Default", fallback);
      } else {
        Iterator<String> rest = connections.fieldNames();
        connection.put("Default", rest.hasNext() ? rest.next() : "");
      }
    }
    write(root);
  }

  @Override
  public void switchDefault(String from, String to) throws IOException {
    ObjectNode root = read();
    ObjectNode connection = connectionRoot(root);
    if (from.equals(connection.path("Default").asText(""))) {
      connection.put("Default", to);
      write(root);
    }
  }

  private ObjectNode read() throws IOException {
    return JsonObjectFile.read(file);
  }

  private static ObjectNode connectionRoot(ObjectNode root) {
    JsonNode node = root.get("Connection");
    return node instanceof ObjectNode object ? object : root.putObject("Connection");
  }

  private static ObjectNode connections(ObjectNode root) {
    ObjectNode connection = connectionRoot(root);
    JsonNode node = connection.get("Connections");
    return node instanceof ObjectNode object ? object : connection.putObject("Connections");
  }

  private void write(ObjectNode root) throws IOException {
    AtomicFiles.write(
        file,
        MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root),
        PosixFilePermissions.fromString("rw-------"));
  }
}
