package dev.berth.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.os.ChannelStreams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A QMP server for one client: greets, accepts capabilities, and answers every other command with
 * what {@code script} returns for it (a {@code return} value, or an {@code error} object when it
 * has one). Records each command with its arguments. Like QEMU, it answers {@code quit} itself: the
 * {@code SHUTDOWN} event first, then the reply, then it hangs up.
 */
public final class FakeQmpServer implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  private final ServerSocketChannel server;
  private final Thread thread;

  public FakeQmpServer(Path socket, Function<JsonNode, String> script) throws IOException {
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    thread = new Thread(() -> serve(script), "fake-qmp");
    thread.setDaemon(true);
    thread.start();
  }

  /** The commands received after capabilities, by name. */
  public List<String> commands() {
    return requests.stream().map(r -> r.get("execute").asText()).toList();
  }

  private void serve(Function<JsonNode, String> script) {
    try (SocketChannel client = server.accept()) {
      OutputStream out = ChannelStreams.output(client);
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(ChannelStreams.input(client), StandardCharsets.UTF_8));
      send(out, "{\"QMP\":{\"version\":{},\"capabilities\":[]}}");
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode request = MAPPER.readTree(line);
        String id = request.get("id").asText();
        if (request.get("execute").asText().equals("qmp_capabilities")) {
          send(out, "{\"return\":{},\"id\":\"" + id + "\"}");
          continue;
        }
        requests.add(request);
        if (request.get("execute").asText().equals("quit")) {
          send(out, "{\"timestamp\":{},\"event\":\"SHUTDOWN\",\"data\":{\"guest\":false}}");
          send(out, "{\"return\":{},\"id\":\"" + id + "\"}");
          return;
        }
        String answer = script.apply(request);
        boolean error = answer.startsWith("{\"class\"");
        send(
            out, "{\"" + (error ? "error" : "return") + "\":" + answer + ",\"id\":\"" + id + "\"}");
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private static void send(OutputStream out, String json) throws IOException {
    out.write((json + "\r\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
