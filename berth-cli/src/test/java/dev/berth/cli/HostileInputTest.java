package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.os.Host;
import dev.berth.testing.TestHosts;
import dev.berth.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private static void assertError(CliRun run, String message) {
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(125);
    assertThat(run.err().lines())
        .as(run.toString())
        .anySatisfy(line -> assertThat(line).startsWith("Error: ").contains(message));
    assertThat(run.err()).doesNotContain("\tat ");
  }

  @Test
  void everyVerb_nameThatLeavesBerthsDirectories_refusedAndNothingTouched() throws Exception {
    Path victim = Files.createDirectories(dir.resolve("victim"));
    Files.writeString(victim.resolve("keep"), "precious");
    List<String> before = TreeSnapshot.of(dir);
    for (String bad : List.of("../../../victim", "..", ".", "../x")) {
      for (List<String> verb :
          List.of(
              List.of("rm", "-f"), List.of("start"), List.of("stop"), List.of("set", "--cpus", "1"),
              List.of("inspect"), List.of("ports"), List.of("init"))) {
        String[] args = concat(verb, bad);
        assertError(CliRun.run(host, args), "invalid machine name");
      }
    }
    assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
  }

  private static String[] concat(List<String> head, String last) {
    List<String> all = new java.util.ArrayList<>(head);
    all.add(last);
    return all.toArray(String[]::new);
  }
}
