package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a scripted QMP server that, like QEMU, sends an event before the reply to quit. */
class QmpClientTest {
  @TempDir Path dir;

  private FakeQmpServer serve(Path socket) throws IOException {
    return new FakeQmpServer(
        socket,
        request ->
            switch (request.get("execute").asText()) {
              case "query-status" -> "{\"status\":\"running\",\"running\":true}";
              default ->
                  "{\"class\":\"CommandNotFound\",\"desc\":\"The command nope has not been found\"}";
            });
  }

  @Test
  void execute_demultiplexesRepliesAndEvents() throws Exception {
    Path socket = dir.resolve("qmp.sock");
    List<String> events = new CopyOnWriteArrayList<>();
    try (FakeQmpServer server = serve(socket);
        QmpClient qmp =
            QmpClient.connect(
                socket, e -> events.add(e.get("event").asText()), Duration.ofSeconds(5))) {
      assertThat(qmp.execute("query-status", Duration.ofSeconds(5)).get("status").asText())
          .isEqualTo("running");
      assertThatThrownBy(() -> qmp.execute("nope", Duration.ofSeconds(5)))
          .isInstanceOf(QmpClient.QmpException.class)
          .hasMessage("nope: CommandNotFound: The command nope has not been found");
      assertThat(qmp.execute("quit", Duration.ofSeconds(5)).isEmpty()).isTrue();
      assertThat(events).containsExactly("SHUTDOWN");
      qmp.closedFuture().get();
      assertThatThrownBy(() -> qmp.execute("query-status", Duration.ofSeconds(5)))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void connect_socketQemuMadeWithItsUmask_madeTheOwnersAloneFirst() throws Exception {
    Path socket = dir.resolve("qmp.sock");
    try (FakeQmpServer server = serve(socket)) {
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwxrwx"));
      try (QmpClient qmp = QmpClient.connect(socket, e -> {}, Duration.ofSeconds(5))) {
        assertThat(Files.getPosixFilePermissions(socket))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        qmp.execute("quit", Duration.ofSeconds(5));
      }
    }
  }
}
