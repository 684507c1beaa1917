package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.machine.BerthDirs;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineStore;
import dev.berth.os.Host;
import dev.berth.testing.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** list, inspect and info print exactly what podman's schemas (and Berth before) print. */
class ReportsOutputTest {
  @TempDir Path dir;

  private Host host;

  @BeforeEach
  void setUp() throws Exception {
    host = TestHosts.under(dir);
    Files.createDirectories(host.home());
    MachineStore store = new MachineStore(BerthDirs.from(host));
    Path a = host.home().resolve("a");
    store.write(
        new MachineConfig(
            MachineConfig.SCHEMA_VERSION,
            "a",
            Instant.parse("2026-01-02T03:04:05Z"),
            Instant.parse("2026-01-03T04:05:06Z"),
            new MachineConfig.ImageInfo(
                a.resolve("base.qcow2"),
                "qcow2",
                "sha256:ab",
                "/src",
                "testing",
                "41.2",
                null,
                null),
            a.resolve("disk.qcow2"),
            a.resolve("ignition.ign"),
            false,
            new MachineConfig.Resources(2, 2048, 100),
            new MachineConfig.SshConfig(a.resolve("id_ed25519"), 2222, "core"),
            List.of(new MachineConfig.Mount(Path.of("/src"), "/mnt/src", true, "vol0", "9p")),
            true,
            1000,
            "UTC"));
    Path b = host.home().resolve("b");
    store.write(
        new MachineConfig(
            MachineConfig.SCHEMA_VERSION,
            "b",
            Instant.parse("2026-01-02T03:04:05Z"),
            null,
            null,
            b.resolve("disk.qcow2"),
            b.resolve("ignition.ign"),
            false,
            new MachineConfig.Resources(1, 1024, 10),
            new MachineConfig.SshConfig(b.resolve("id_ed25519"), 2223, "core"),
            List.of(),
            false,
            1000,
            "UTC"));
  }

  private String run(String... args) {
    CliRun run = CliRun.run(host, args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run.out()
        .replace(dir.toString(), "$DIR")
        .replace(System.getProperty("java.version"), "$JAVA")
        .replace(dev.berth.BerthVersion.get(), "$VERSION");
  }

  /** The output captured from the CLI before the reports became core records, byte for byte. */
  private static String golden(String name) throws Exception {
    try (var in = ReportsOutputTest.class.getResourceAsStream("/reports/" + name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void list_jsonTemplateAndQuiet_asBefore() throws Exception {
    assertThat(run("list", "--format", "json")).isEqualTo(golden("list.json"));
    assertThat(run("list", "--format", "{{.Name}} {{.LastUp}} {{.Memory}}"))
        .isEqualTo(golden("list-template"));
    assertThat(run("list", "-q")).isEqualTo(golden("list-q"));
  }

  @Test
  void inspect_asBefore() throws Exception {
    assertThat(run("inspect", "a", "b")).isEqualTo(golden("inspect.json"));
  }

  @Test
  void info_jsonYamlAndTemplate_asBefore() throws Exception {
    assertThat(run("info", "--format", "json")).isEqualTo(golden("info.json"));
    assertThat(run("info")).isEqualTo(golden("info.yaml"));
    assertThat(run("info", "--format", "{{.Host.VMType}} {{.Version.Os}}"))
        .isEqualTo(golden("info-template"));
  }
}
