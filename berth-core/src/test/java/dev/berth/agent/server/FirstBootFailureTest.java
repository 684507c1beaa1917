package dev.berth.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.BerthException;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.RuntimeFiles;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FirstBootFailureTest {
  private static MachineConfig machine(
      List<MachineConfig.Mount> mounts, boolean rootful, boolean userIgnition) {
    return new MachineConfig(
        MachineConfig.SCHEMA_VERSION,
        "dev",
        Instant.parse("2026-11-28T10:00:00Z"),
        null,
        new MachineConfig.ImageInfo(
            Path.of("/cache/abc.qcow2"),
            "qcow2",
            "abc",
            "/home/me/guest/out/stream.json",
            "berth-os",
            "12",
            null,
            null),
        Path.of("/data/dev/disk.qcow2"),
        Path.of("/config/dev/ignition.ign"),
        userIgnition,
        new MachineConfig.Resources(2, 2048, 20),
        new MachineConfig.SshConfig(Path.of("/config/dev/id_ed25519"), 40022, "core"),
        mounts,
        rootful,
        1000,
        "Europe/Berlin");
  }

  @Test
  void recreateCommand_repeatsTheOptionsTheMachineWasMadeWith() {
    MachineConfig config =
        machine(
            List.of(
                new MachineConfig.Mount(Path.of("/home/me"), "/home/me", false, "vol0", "9p"),
                new MachineConfig.Mount(Path.of("/srv/my data"), "/data", true, "vol1", "9p")),
            true,
            false);

    assertThat(FirstBootFailure.recreateCommand(config))
        .isEqualTo(
            "berth rm -f dev && berth init --image /home/me/guest/out/stream.json --cpus 2"
                + " --memory 2048 --disk-size 20 --username core --timezone Europe/Berlin"
                + " -v /home/me:/home/me -v '/srv/my data:/data:ro' --rootful dev");
  }

  @Test
  void of_saysIgnitionFailedAndHowToRecreate_askingForTheUsersOwnIgnitionFile() {
    BerthException e =
        FirstBootFailure.of(machine(List.of(), false, true), new RuntimeFiles(Path.of("/run/dev")));

    assertThat(e.getMessage()).contains("first-boot configuration (Ignition) failed");
    assertThat(e.hint())
        .hasValueSatisfying(
            hint ->
                assertThat(hint)
                    .contains("/run/dev/console.log")
                    .endsWith("--ignition-path YOUR-IGNITION-FILE dev"));
  }
}
