package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.os.ChannelStreams;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a scripted QMP server that, like QEMU, sends an event before the reply to quit. */
class QmpClientTest {
  @TempDir Path dir;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Thread serve(Path socket) throws Exception {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread thread =
        new Thread(
            () -> {
              try (server;
                  SocketChannel client = server.accept()) {
                OutputStream out = ChannelStreams.output(client);
                BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(
                            ChannelStreams.input(client), StandardCharsets.UTF_8));
                send(out, "{\"QMP\":{\"version\":{},\"capabilities\":[]}}");
                String line;
                while ((line = in.readLine()) != null) {
                  JsonNode request = MAPPER.readTree(line);
                  String id = request.get("id").asText();
                  switch (request.get("execute").asText()) {
                    case "qmp_capabilities" -> send(out, "{\"return\":{},\"id\":\"" + id + "\"}");
                    case "query-status" ->
                        send(
                            out,
                            "{\"return\":{\"status\":\"running\",\"running\":true},\"id\":\""
                                + id
                                + "\"}");
                    case "quit" -> {
                      send(
                          out,
                          "{\"timestamp\":{},\"event\":\"SHUTDOWN\",\"data\":{\"guest\":false}}");
                      send(out, "{\"return\":{},\"id\":\"" + id + "\"}");
                      return;
                    }
                    default ->
                        send(
                            out,
                            "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command nope has not been found\"},\"id\":\""
                                + id
                                + "\"}");
                  }
                }
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    thread.start();
    return thread;
  }

  private static void send(OutputStream out, String json) throws Exception {
    out.write((json + "\r\n").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void execute_demultiplexesRepliesAndEvents() throws Exception {
    Path socket = dir.resolve("qmp.sock");
    Thread server = serve(socket);
    List<String> events = new CopyOnWriteArrayList<>();
    try (QmpClient qmp =
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
          .isInstanceOf(java.io.IOException.class);
    }
    server.join(5000);
  }

  @Test
  void connect_socketQemuMadeWithItsUmask_madeTheOwnersAloneFirst() throws Exception {
    Path socket = dir.resolve("qmp.sock");
    Thread server = serve(socket);
    java.nio.file.Files.setPosixFilePermissions(
        socket, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    try (QmpClient qmp = QmpClient.connect(socket, e -> {}, Duration.ofSeconds(5))) {
      assertThat(java.nio.file.Files.getPosixFilePermissions(socket))
          .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      qmp.execute("quit", Duration.ofSeconds(5));
    }
    server.join(5000);
  }
}
