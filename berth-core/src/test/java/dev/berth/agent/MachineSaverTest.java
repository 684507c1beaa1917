package dev.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.SavedStateFiles;
import dev.berth.net.forward.Forward;
import dev.berth.qemu.FakeQmpServer;
import dev.berth.qemu.QmpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineSaverTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final List<Forward> FORWARDS =
      List.of(new Forward("127.0.0.1:8080", "192.168.127.2:8080", "tcp"));

  @TempDir Path dir;
  private final List<String> guestCommands = new ArrayList<>();
  private MachineConfig config;
  private SavedStateFiles files;

  @BeforeEach
  void machine() throws IOException {
    Path disk = Files.write(dir.resolve("disk.qcow2"), new byte[] {1});
    config =
        new MachineConfig(
                MachineConfig.SCHEMA_VERSION,
                "m",
                NOW,
                NOW,
                null,
                disk,
                dir.resolve("ignition.ign"),
                false,
                new MachineConfig.Resources(2, 2048, 100),
                new MachineConfig.SshConfig(dir.resolve("id"), 2222, "core"),
                List.of(
                    new MachineConfig.Mount(Path.of("/home/u"), "/home/u", false, "vol0", "9p")),
                false,
                1000,
                "UTC")
            // saving is opt-in
            .withSaveState(true);
    files = new SavedStateFiles(disk);
  }

  /** A QEMU whose migration writes {@code state} into the file the URI names, as cat would. */
  private static Function<JsonNode, String> qemu(byte[] state, String blocked) {
    AtomicInteger queries = new AtomicInteger();
    return request -> {
      switch (request.get("execute").asText()) {
        case "query-version":
          return "{\"qemu\":{\"major\":7,\"minor\":2,\"micro\":22},\"package\":\"\"}";
        case "query-migrate":
          if (queries.getAndIncrement() == 0) {
            return blocked == null ? "{}" : "{\"blocked-reasons\":[\"" + blocked + "\"]}";
          }
          return "{\"status\":\"completed\"}";
        case "migrate":
          String uri = request.at("/arguments/uri").asText();
          String path = uri.substring("exec:cat > '".length(), uri.length() - 1);
          try {
            Files.write(Path.of(path), state);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          return "{}";
        default:
          return "{}";
      }
    };
  }

  private MachineSaver.Outcome save(
      Function<JsonNode, String> script, MachineSaver.GuestCommand guest, boolean exits)
      throws Exception {
    Path socket = dir.resolve("qmp.sock");
    try (FakeQmpServer server = new FakeQmpServer(socket, script);
        QmpClient qmp = QmpClient.connect(socket, e -> {}, TIMEOUT)) {
      MachineSaver saver =
          new MachineSaver(guest, qmp, timeout -> exits, Clock.fixed(NOW, ZoneOffset.UTC), TIMEOUT);
      return saver.save(config, List.of("qemu-system-x86_64", "-m", "2048M"), FORWARDS, files);
    }
  }

  private void recordGuest(String command, Duration timeout) {
    guestCommands.add(command);
  }

  @Test
  void save_unmountsVolumes_writesStateAndDescription_withPortsAndQemuVersion() throws Exception {
    byte[] state = {'Q', 'E', 'V', 'M', 0, 0, 0, 3, 9, 9};
    MachineSaver.Outcome outcome = save(qemu(state, null), this::recordGuest, true);
    assertThat(outcome).isInstanceOf(MachineSaver.Saved.class);
    assertThat(guestCommands)
        .containsExactly("sync && sudo -n systemctl stop 'home-u.mount' && sync");
    assertThat(Files.readAllBytes(files.stateFile())).isEqualTo(state);
    SavedStateFiles.Verdict verdict =
        files.check(
            dev.berth.machine.StateFingerprint.of(
                config, List.of("qemu-system-x86_64", "-m", "2048M")));
    assertThat(verdict).isInstanceOf(SavedStateFiles.Usable.class);
    var saved = ((SavedStateFiles.Usable) verdict).saved();
    assertThat(saved.forwards()).isEqualTo(FORWARDS);
    assertThat(saved.qemuVersion()).isEqualTo("7.2.22");
    assertThat(saved.savedAt()).isEqualTo(NOW);
  }

  @Test
  void save_busyVolume_savesNothing_andSaysWhy() throws Exception {
    MachineSaver.Outcome outcome =
        save(
            qemu(new byte[0], null),
            (command, timeout) -> {
              throw new IOException("Job for home-u.mount failed: target is busy");
            },
            true);
    assertThat(outcome)
        .isEqualTo(
            new MachineSaver.NotSaved(
                "a volume is busy in the machine: Job for home-u.mount failed: target is busy"));
    assertThat(files.all()).allSatisfy(path -> assertThat(path).doesNotExist());
  }

  @Test
  void save_qemuRefuses_remountsTheVolumes_andLeavesNoState() throws Exception {
    MachineSaver.Outcome outcome =
        save(qemu(new byte[0], "a device cannot migrate"), this::recordGuest, true);
    assertThat(outcome)
        .isEqualTo(
            new MachineSaver.NotSaved("QEMU could not save the machine: a device cannot migrate"));
    assertThat(guestCommands).last().isEqualTo("sudo -n systemctl start 'home-u.mount'");
    assertThat(files.all()).allSatisfy(path -> assertThat(path).doesNotExist());
  }

  @Test
  void save_qemuDoesNotQuit_leavesNoStateBesideADiskThatMayChange() throws Exception {
    MachineSaver.Outcome outcome = save(qemu(new byte[] {'Q'}, null), this::recordGuest, false);
    assertThat(outcome).isEqualTo(new MachineSaver.NotSaved("QEMU did not quit after the save"));
    assertThat(files.all()).allSatisfy(path -> assertThat(path).doesNotExist());
  }

  @Test
  void save_turnedOff_touchesNothing() throws Exception {
    config = config.withSaveState(false);
    MachineSaver.Outcome outcome = save(qemu(new byte[0], null), this::recordGuest, true);
    assertThat(outcome).isInstanceOf(MachineSaver.NotSaved.class);
    assertThat(guestCommands).isEmpty();
  }
}
