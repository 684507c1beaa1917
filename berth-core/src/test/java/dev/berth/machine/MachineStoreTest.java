package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.BerthException;
import dev.berth.Json;
import dev.berth.testing.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineStoreTest {
  @TempDir Path dir;

  static MachineConfig config(String name) {
    return new MachineConfig(
        MachineConfig.SCHEMA_VERSION,
        name,
        Instant.parse("2026-01-02T03:04:05Z"),
        null,
        new MachineConfig.ImageInfo(
            Path.of("/cache/x.qcow2"), "qcow2", "sha256:ab", "/src", "custom", null, null, null),
        Path.of("/d/disk.qcow2"),
        Path.of("/c/ignition.ign"),
        false,
        new MachineConfig.Resources(2, 2048, 100),
        new MachineConfig.SshConfig(Path.of("/c/id_ed25519"), 2222, "core"),
        List.of(new MachineConfig.Mount(Path.of("/src"), "/src", true, "vol0", "9p")),
        false,
        1000,
        "UTC");
  }

  private MachineStore store() {
    return new MachineStore(BerthDirs.from(TestHosts.under(dir)));
  }

  @Test
  void read_descriptionWithoutSaveState_doesNotSave() throws Exception {
    MachineStore store = store();
    store.write(config("a").withSaveState(true));
    Path file = store.descriptionFile("a");
    ObjectNode json = (ObjectNode) Json.mapper().readTree(file.toFile());
    json.remove("SaveState");
    Files.writeString(file, json.toString());
    assertThat(store.read("a").saveState()).isFalse();
  }

  @Test
  void writeThenRead_roundTrips() {
    MachineStore store = store();
    store.write(config("a"));
    assertThat(store.read("a")).isEqualTo(config("a"));
    assertThat(store.exists("a")).isTrue();
  }

  @Test
  void write_isPrivateAndLeavesNoTemporaryFile() throws Exception {
    MachineStore store = store();
    store.write(config("a"));
    Path file = store.descriptionFile("a");
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrderElementsOf(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    try (var files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("machine.json");
    }
  }

  @Test
  void list_corruptDescription_reportedByFile_othersStillListed() throws Exception {
    MachineStore store = store();
    store.write(config("a"));
    store.write(config("c"));
    Path broken = store.descriptionFile("b");
    Files.createDirectories(broken.getParent());
    Files.writeString(broken, "{\"SchemaVersion\": 1, \"Name\": ");

    List<MachineStore.Entry> entries = store.list();

    assertThat(entries).extracting(MachineStore.Entry::name).containsExactly("a", "b", "c");
    assertThat(entries.get(1).readable()).isFalse();
    assertThat(entries.get(1).error().getMessage()).contains(broken.toString()).contains("corrupt");
    assertThatThrownBy(() -> store.read("b"))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining(broken.toString());
  }

  @Test
  void read_descriptionLackingAField_namesMachineFileAndField_othersStillListed() throws Exception {
    MachineStore store = store();
    store.write(config("a"));
    store.write(config("b"));
    Path file = store.descriptionFile("b");
    for (String field : List.of("SSH", "Resources", "Created", "DiskPath", "IgnitionPath")) {
      ObjectNode json = (ObjectNode) Json.mapper().valueToTree(config("b"));
      json.remove(field);
      Files.write(file, Json.mapper().writeValueAsBytes(json));
      assertThatThrownBy(() -> store.read("b"))
          .as(field)
          .isInstanceOf(BerthException.class)
          .hasMessage("machine \"b\": its description " + file + " lacks " + field);
      List<MachineStore.Entry> entries = store.list();
      assertThat(entries).extracting(MachineStore.Entry::readable).containsExactly(true, false);
    }
    ObjectNode json = (ObjectNode) Json.mapper().valueToTree(config("b"));
    ((ObjectNode) json.get("SSH")).remove("RemoteUsername");
    Files.write(file, Json.mapper().writeValueAsBytes(json));
    assertThatThrownBy(() -> store.read("b")).hasMessageEndingWith("lacks SSH.RemoteUsername");
  }

  @Test
  void read_newerSchema_refusedRatherThanMisread() throws Exception {
    MachineStore store = store();
    Path file = store.descriptionFile("n");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "{\"SchemaVersion\": 99, \"Name\": \"n\"}");
    assertThatThrownBy(() -> store.read("n")).hasMessageContaining("schema version 99");
  }

  @Test
  void read_nameMismatch_refused() throws Exception {
    MachineStore store = store();
    store.write(config("a"));
    Path other = store.descriptionFile("b");
    Files.createDirectories(other.getParent());
    Files.copy(store.descriptionFile("a"), other);
    assertThatThrownBy(() -> store.read("b")).hasMessageContaining("names machine \"a\"");
  }

  @Test
  void read_missing_saysHowToCreate() {
    assertThatThrownBy(() -> store().read("nope"))
        .isInstanceOf(BerthException.class)
        .hasMessage("machine \"nope\" does not exist");
  }
}
