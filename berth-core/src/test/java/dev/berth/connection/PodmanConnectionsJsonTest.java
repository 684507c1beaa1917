package dev.berth.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodmanConnectionsJsonTest {
  @TempDir Path dir;

  @Test
  void add_keepsOtherConnectionsAndFarms_andSetsDefaultOnlyWhenUnset() throws Exception {
    Path file = dir.resolve("podman-connections.json");
    Files.writeString(
        file,
        "{\"Connection\":{\"Default\":\"\",\"Connections\":{\"other\":{\"URI\":\"ssh://o\",\"Identity\":\"/o\"}}},"
            + "\"Farm\":{\"Default\":\"f\",\"List\":{\"f\":[\"other\"]}}}");
    PodmanConnectionsJson json = new PodmanConnectionsJson(file);

    json.add(
        List.of(
            new Connection("m", "ssh://m", Path.of("/k")),
            new Connection("m-root", "ssh://r", Path.of("/k"))));

    JsonNode tree = new ObjectMapper().readTree(file.toFile());
    assertThat(tree.at("/Farm/List/f/0").asText()).isEqualTo("other");
    assertThat(tree.at("/Connection/Connections/other/URI").asText()).isEqualTo("ssh://o");
    assertThat(tree.at("/Connection/Connections/m/URI").asText()).isEqualTo("ssh://m");
    assertThat(tree.at("/Connection/Connections/m/Identity").asText()).isEqualTo("/k");
    assertThat(tree.at("/Connection/Connections/m/IsMachine").asBoolean()).isTrue();
    assertThat(json.defaultName()).contains("m");

    json.add(List.of(new Connection("n", "ssh://n", Path.of("/k"))));
    assertThat(json.defaultName()).contains("m");
  }

  @Test
  void remove_defaultPassesToFallback() throws Exception {
    PodmanConnectionsJson json = new PodmanConnectionsJson(dir.resolve("c.json"));
    json.add(List.of(new Connection("m", "ssh://m", Path.of("/k"))));
    json.add(List.of(new Connection("berth-default", "ssh://d", Path.of("/k"))));
    json.remove(Set.of("m"), "berth-default");
    assertThat(json.defaultName()).contains("berth-default");
    assertThat(json.names()).containsExactly("berth-default");
  }

  @Test
  void remove_missingFile_createsNothing() throws Exception {
    Path file = dir.resolve("c.json");
    new PodmanConnectionsJson(file).remove(Set.of("m"), "x");
    assertThat(file).doesNotExist();
  }
}
