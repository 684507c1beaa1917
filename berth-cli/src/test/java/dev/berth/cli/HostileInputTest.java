package dev.berth.cli;

import static dev.berth.cli.CliRun.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.machine.BerthDirs;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineStore;
import dev.berth.os.Host;
import dev.berth.testing.TestHosts;
import dev.berth.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CLI does with input meant to harm: refused with exit 125, nothing touched. */
class HostileInputTest {
  @TempDir Path dir;

  private Host host;

  @BeforeEach
  void setUp() throws Exception {
    host = TestHosts.under(dir);
    Files.createDirectories(host.home());
  }

  @Test
  void everyVerb_nameThatLeavesBerthsDirectories_refusedAndNothingTouched() throws Exception {
    Path victim = Files.createDirectories(dir.resolve("victim"));
    Files.writeString(victim.resolve("keep"), "precious");
    List<String> before = TreeSnapshot.of(dir);
    for (String bad : List.of("../../../victim", "..", ".", "../x")) {
      for (List<String> verb :
          List.of(
              List.of("rm", "-f"),
              List.of("start"),
              List.of("stop"),
              List.of("set", "--cpus", "1"),
              List.of("inspect"),
              List.of("ports"),
              List.of("init"))) {
        String[] args = concat(verb, bad);
        assertError(CliRun.run(host, args), "invalid machine name");
      }
    }
    assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
  }

  @Test
  void init_unknownArch_errorNamingTheAcceptedValues_nothingCreated() throws Exception {
    Path image = Files.writeString(dir.resolve("base.qcow2"), "base");
    List<String> before = TreeSnapshot.of(dir);
    CliRun run = CliRun.run(host, "init", "--arch", "sparc64", "--image", image.toString(), "m");
    assertError(run, "unknown machine architecture \"sparc64\"");
    assertThat(run.err())
        .contains("x86_64")
        .contains("amd64")
        .contains("aarch64")
        .contains("arm64");
    assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
  }

  @Test
  void descriptionLackingAField_listWarnsAndListsTheOthers_inspectAndSetSayWhatIsMissing()
      throws Exception {
    MachineStore store = new MachineStore(BerthDirs.from(host));
    store.write(config("a"));
    store.write(config("b"));
    Path broken = store.descriptionFile("b");
    ObjectNode json = (ObjectNode) new ObjectMapper().readTree(broken.toFile());
    json.remove("SSH");
    Files.writeString(broken, json.toString());
    String lacks = "machine \"b\": its description " + broken + " lacks SSH";

    CliRun list = CliRun.run(host, "list", "-q");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.out()).isEqualTo("a\n");
    assertThat(list.err()).contains("Warning: skipping machine \"b\": " + lacks);
    assertThat(CliRun.run(host, "list").out()).contains("a ").doesNotContain("Exception");
    assertError(CliRun.run(host, "inspect", "b"), lacks);
    assertError(CliRun.run(host, "set", "--cpus", "1", "b"), lacks);
  }

  private MachineConfig config(String name) {
    Path config = host.home().resolve(name);
    return new MachineConfig(
        MachineConfig.SCHEMA_VERSION,
        name,
        Instant.parse("2026-01-02T03:04:05Z"),
        null,
        null,
        config.resolve("disk.qcow2"),
        config.resolve("ignition.ign"),
        false,
        new MachineConfig.Resources(1, 1024, 10),
        new MachineConfig.SshConfig(config.resolve("id_ed25519"), 2222, "core"),
        List.of(),
        false,
        1000,
        "UTC");
  }

  private static String[] concat(List<String> head, String last) {
    List<String> all = new java.util.ArrayList<>(head);
    all.add(last);
    return all.toArray(String[]::new);
  }
}
