package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuMigrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @TempDir Path dir;

  private QmpClient connect(FakeQmpServer server) throws IOException {
    return QmpClient.connect(dir.resolve("qmp.sock"), e -> {}, TIMEOUT);
  }

  private FakeQmpServer server(Function<JsonNode, String> script) throws IOException {
    return new FakeQmpServer(dir.resolve("qmp.sock"), script);
  }

  @Test
  void uris_quoteThePathForTheShell() throws Exception {
    Path odd = Path.of("/home/a b/it's; rm -rf ~/$(x)/disk.qcow2.state");
    assertThat(QemuMigration.writeUri(odd))
        .isEqualTo("exec:cat > '/home/a b/it'\\''s; rm -rf ~/$(x)/disk.qcow2.state'");
    assertThat(QemuMigration.readUri(odd))
        .isEqualTo("exec:cat '/home/a b/it'\\''s; rm -rf ~/$(x)/disk.qcow2.state'");
    // the shell reads the word back as the path itself
    Process echo =
        new ProcessBuilder("sh", "-c", "printf %s " + QemuMigration.shellQuote(odd.toString()))
            .start();
    assertThat(new String(echo.getInputStream().readAllBytes())).isEqualTo(odd.toString());
  }

  @Test
  void save_stopsThenMigratesAtFullSpeed_untilCompleted() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    Path state = dir.resolve("my disk.state");
    try (FakeQmpServer server =
            server(
                r ->
                    switch (r.get("execute").asText()) {
                      case "query-migrate" ->
                          switch (polls.getAndIncrement()) {
                            case 0 -> "{}";
                            case 1 -> "{\"status\":\"active\"}";
                            default -> "{\"status\":\"completed\",\"ram\":{\"transferred\":4096}}";
                          };
                      default -> "{}";
                    });
        QmpClient qmp = connect(server)) {
      assertThat(QemuMigration.save(qmp, state, TIMEOUT)).isEqualTo(4096);
      assertThat(server.commands())
          .containsExactly(
              "query-migrate",
              "migrate-set-parameters",
              "stop",
              "migrate",
              "query-migrate",
              "query-migrate");
      assertThat(server.requests.get(1).at("/arguments/max-bandwidth").asLong())
          .isEqualTo(QemuMigration.UNLIMITED_BANDWIDTH);
      assertThat(server.requests.get(3).at("/arguments/uri").asText())
          .isEqualTo("exec:cat > '" + state + "'");
    }
  }

  @Test
  void save_blockedByAMounted9pExport_throwsQemusReason_vmNeverStopped() throws Exception {
    String reason =
        "Migration is disabled when VirtFS export path '/home/u' is mounted in the guest using mount_tag 'vol0'";
    try (FakeQmpServer server = server(r -> "{\"blocked-reasons\":[\"" + reason + "\"]}");
        QmpClient qmp = connect(server)) {
      assertThatThrownBy(() -> QemuMigration.save(qmp, dir.resolve("s"), TIMEOUT))
          .isInstanceOf(QemuMigration.BlockedException.class)
          .hasMessage(reason);
      assertThat(server.commands()).containsExactly("query-migrate");
    }
  }

  @Test
  void save_failingAfterTheStop_resumesTheVm() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    try (FakeQmpServer server =
            server(
                r ->
                    r.get("execute").asText().equals("query-migrate")
                        ? (polls.getAndIncrement() == 0
                            ? "{}"
                            : "{\"status\":\"failed\",\"error-desc\":\"No space left on device\"}")
                        : "{}");
        QmpClient qmp = connect(server)) {
      assertThatThrownBy(() -> QemuMigration.save(qmp, dir.resolve("s"), TIMEOUT))
          .hasMessage("the migration failed: No space left on device");
      assertThat(server.commands()).endsWith("query-migrate", "cont");
    }
  }

  @Test
  void restore_readsTheFile_untilCompleted_thenResumeContinues() throws Exception {
    Path state = dir.resolve("s");
    AtomicInteger polls = new AtomicInteger();
    try (FakeQmpServer server =
            server(
                r ->
                    r.get("execute").asText().equals("query-migrate")
                        ? (polls.getAndIncrement() == 0
                            ? "{\"status\":\"active\"}"
                            : "{\"status\":\"completed\"}")
                        : "{}");
        QmpClient qmp = connect(server)) {
      QemuMigration.restore(qmp, state, TIMEOUT);
      QemuMigration.resume(qmp);
      assertThat(server.commands())
          .containsExactly("migrate-incoming", "query-migrate", "query-migrate", "cont");
      assertThat(server.requests.get(0).at("/arguments/uri").asText())
          .isEqualTo("exec:cat '" + state + "'");
    }
  }

  @Test
  void restore_qemuRefusesTheStream_saysWhy() throws Exception {
    try (FakeQmpServer server =
            server(
                r ->
                    r.get("execute").asText().equals("query-migrate")
                        ? "{\"status\":\"failed\",\"error-desc\":\"load of migration failed: Invalid argument\"}"
                        : "{}");
        QmpClient qmp = connect(server)) {
      assertThatThrownBy(() -> QemuMigration.restore(qmp, dir.resolve("s"), TIMEOUT))
          .hasMessage("the migration failed: load of migration failed: Invalid argument");
    }
  }

  @Test
  void version_numberAndPackage() throws Exception {
    try (FakeQmpServer server =
            server(
                r ->
                    "{\"qemu\":{\"major\":7,\"minor\":2,\"micro\":22},\"package\":\"Debian 1:7.2+dfsg-7\"}");
        QmpClient qmp = connect(server)) {
      assertThat(QemuMigration.version(qmp)).isEqualTo("7.2.22 Debian 1:7.2+dfsg-7");
    }
  }
}
