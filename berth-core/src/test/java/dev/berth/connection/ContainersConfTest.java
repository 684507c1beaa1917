package dev.berth.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainersConfTest {
  @TempDir Path dir;

  private static final String USER_FILE =
      String.join(
          "\n",
          "# my settings",
          "[containers]",
          "  log_size_max = 100 # keep small",
          "",
          "[engine]",
          "  cgroup_manager = \"cgroupfs\"",
          "",
          "[engine.service_destinations.other]",
          "  uri = \"ssh://me@remote/run/podman/podman.sock\"",
          "");

  @Test
  void add_keepsEverythingElseByteForByte() throws Exception {
    Path file = dir.resolve("containers.conf");
    Files.writeString(file, USER_FILE);
    ContainersConf conf = new ContainersConf(file);

    conf.add(List.of(new Connection("m", "ssh://core@127.0.0.1:22/s", Path.of("/k"))));

    String text = Files.readString(file);
    assertThat(text)
        .startsWith("# my settings\n[containers]\n  log_size_max = 100 # keep small\n\n[engine]\n")
        .contains("  cgroup_manager = \"cgroupfs\"\n")
        .contains(
            "[engine.service_destinations.other]\n  uri = \"ssh://me@remote/run/podman/podman.sock\"\n")
        .endsWith(
            "[engine.service_destinations.m]\n"
                + "  uri = \"ssh://core@127.0.0.1:22/s\"\n"
                + "  identity = \"/k\"\n"
                + "  is_machine = true\n");
    assertThat(conf.names()).containsExactly("other", "m");
    assertThat(conf.defaultName()).contains("m");
  }

  @Test
  void add_existingActiveService_notReplaced() throws Exception {
    Path file = dir.resolve("containers.conf");
    Files.writeString(file, "[engine]\nactive_service = \"other\"\n");
    ContainersConf conf = new ContainersConf(file);
    conf.add(List.of(new Connection("m", "ssh://x", Path.of("/k"))));
    assertThat(conf.defaultName()).contains("other");
  }

  @Test
  void addThenRemove_restoresTheOriginalFile() throws Exception {
    Path file = dir.resolve("containers.conf");
    Files.writeString(file, USER_FILE + "[engine.service_destinations.other.extra]\n");
    String before = Files.readString(file);
    ContainersConf conf = new ContainersConf(file);
    conf.add(
        List.of(
            new Connection("m", "ssh://x", Path.of("/k")),
            new Connection("m-root", "ssh://y", Path.of("/k"))));
    conf.remove(Set.of("m", "m-root"), "berth-default");
    assertThat(Files.readString(file))
        .isEqualTo(before.replace("[engine]\n", "[engine]\n  active_service = \"other\"\n"));
  }

  @Test
  void remove_activeService_passesToFallbackOrClears() throws Exception {
    Path file = dir.resolve("containers.conf");
    ContainersConf conf = new ContainersConf(file);
    conf.add(List.of(new Connection("a", "ssh://a", Path.of("/k"))));
    conf.add(List.of(new Connection("berth-default", "ssh://b", Path.of("/k"))));
    conf.remove(Set.of("a"), "berth-default");
    assertThat(conf.defaultName()).contains("berth-default");
    conf.remove(Set.of("berth-default"), "berth-default");
    assertThat(conf.defaultName()).isEmpty();
    assertThat(conf.names()).isEmpty();
  }

  @Test
  void names_quotedTableNames_understood() throws Exception {
    Path file = dir.resolve("containers.conf");
    ContainersConf conf = new ContainersConf(file);
    conf.add(List.of(new Connection("my.machine", "ssh://a", Path.of("/k"))));
    assertThat(Files.readString(file)).contains("[engine.service_destinations.\"my.machine\"]");
    assertThat(conf.names()).containsExactly("my.machine");
    conf.remove(Set.of("my.machine"), "x");
    assertThat(Files.readString(file)).doesNotContain("my.machine");
  }

  @Test
  void switchDefault_onlyWhenTheDefaultIsTheOneNamed() throws Exception {
    Path file = dir.resolve("containers.conf");
    ContainersConf conf = new ContainersConf(file);
    conf.add(
        List.of(
            new Connection("m", "ssh://a", Path.of("/k")),
            new Connection("m-root", "ssh://b", Path.of("/k"))));
    conf.switchDefault("x", "m-root");
    assertThat(conf.defaultName()).contains("m");
    conf.switchDefault("m", "m-root");
    assertThat(conf.defaultName()).contains("m-root");
  }
}
