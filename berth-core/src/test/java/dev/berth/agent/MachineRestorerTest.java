package dev.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.machine.MachineConfig;
import dev.berth.machine.SavedState;
import dev.berth.machine.SavedStateFiles;
import dev.berth.machine.StateFingerprint;
import dev.berth.qemu.FakeQmpServer;
import dev.berth.qemu.QmpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineRestorerTest {
  private static final List<String> ARGV = List.of("qemu-system-x86_64", "-m", "2048M");
  private static final byte[] STATE = {'Q', 'E', 'V', 'M', 0, 0, 0, 3};

  @TempDir Path dir;
  private MachineConfig config;
  private SavedStateFiles files;

  @BeforeEach
  void saved() throws Exception {
    Path disk = Files.write(dir.resolve("disk.qcow2"), new byte[] {1});
    Instant now = Instant.parse("2026-12-01T10:00:00Z");
    config =
        new MachineConfig(
            MachineConfig.SCHEMA_VERSION,
            "m",
            now,
            now,
            null,
            disk,
            dir.resolve("ignition.ign"),
            false,
            new MachineConfig.Resources(2, 2048, 100),
            new MachineConfig.SshConfig(dir.resolve("id"), 2222, "core"),
            List.of(),
            false,
            1000,
            "UTC");
    files = new SavedStateFiles(disk);
    Files.write(files.beginSave(), STATE);
    files.commit(
        new SavedState(
            SavedState.FORMAT_VERSION,
            now,
            STATE.length,
            StateFingerprint.of(config, ARGV),
            "7.2.22",
            null));
  }

  @Test
  void plan_matchingState_resumes_withADeferredIncomingQemu() throws Exception {
    assertThat(MachineRestorer.plan(config, ARGV, files))
        .isInstanceOf(MachineRestorer.Resume.class);
    assertThat(MachineRestorer.incoming(ARGV)).endsWith("-incoming", "defer");
  }

  @Test
  void plan_memoryChanged_bootsWithTheReason_andDropsTheState() throws Exception {
    MachineConfig more = config.withResources(new MachineConfig.Resources(2, 4096, 100));
    assertThat(MachineRestorer.plan(more, ARGV, files))
        .isEqualTo(new MachineRestorer.Boot(Optional.of("the memory changed (2048 to 4096 MiB)")));
    assertThat(files.all()).allSatisfy(path -> assertThat(path).doesNotExist());
  }

  @Test
  void plan_corruptState_bootsWithTheReason() throws Exception {
    Files.write(files.stateFile(), new byte[STATE.length]);
    assertThat(MachineRestorer.plan(config, ARGV, files))
        .isEqualTo(
            new MachineRestorer.Boot(Optional.of("the state file is not a QEMU state (corrupt)")));
  }

  @Test
  void plan_nothingSaved_bootsWithoutAReason() throws Exception {
    files.remove();
    assertThat(MachineRestorer.plan(config, ARGV, files))
        .isEqualTo(new MachineRestorer.Boot(Optional.empty()));
  }

  @Test
  void load_otherQemu_refusedWithTheReason_stateDropped() throws Exception {
    var plan = (MachineRestorer.Resume) MachineRestorer.plan(config, ARGV, files);
    Path socket = dir.resolve("qmp.sock");
    try (FakeQmpServer server =
            new FakeQmpServer(
                socket, r -> "{\"qemu\":{\"major\":8,\"minor\":2,\"micro\":0},\"package\":\"\"}");
        QmpClient qmp = QmpClient.connect(socket, e -> {}, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> MachineRestorer.load(qmp, plan, files, Duration.ofSeconds(5)))
          .hasMessage("QEMU changed (saved by 7.2.22, now 8.2.0)");
      assertThat(server.commands()).containsExactly("query-version");
    }
    assertThat(files.all()).allSatisfy(path -> assertThat(path).doesNotExist());
  }

  @Test
  void load_sameQemu_loadsTheState_thenDropsIt() throws Exception {
    var plan = (MachineRestorer.Resume) MachineRestorer.plan(config, ARGV, files);
    Path socket = dir.resolve("qmp.sock");
    try (FakeQmpServer server =
            new FakeQmpServer(
                socket,
                r ->
                    switch (r.get("execute").asText()) {
                      case "query-version" ->
                          "{\"qemu\":{\"major\":7,\"minor\":2,\"micro\":22},\"package\":\"\"}";
                      case "query-migrate" -> "{\"status\":\"completed\"}";
                      default -> "{}";
                    });
        QmpClient qmp = QmpClient.connect(socket, e -> {}, Duration.ofSeconds(5))) {
      MachineRestorer.load(qmp, plan, files, Duration.ofSeconds(5));
      assertThat(server.commands())
          .containsExactly("query-version", "migrate-incoming", "query-migrate");
    }
    assertThat(files.all()).allSatisfy(path -> assertThat(path).doesNotExist());
  }
}
