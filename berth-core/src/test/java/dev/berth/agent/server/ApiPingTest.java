package dev.berth.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.unix.UnixSockets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's ping of podman's API, against a real unix socket that answers as it is told. */
class ApiPingTest {
  private static final Duration SHORT = Duration.ofMillis(300);

  @TempDir Path dir;

  @Test
  void twoHundredIsAnAnswer_evenInPieces() throws Exception {
    assertThat(pingAnswered(SHORT, "HTTP/1.1 ", "200 OK\r\nContent-Length: 2\r\n\r\nOK")).isTrue();
    assertThat(pingAnswered(SHORT, "HTTP/1.0 200 OK\r\n\r\n")).isTrue();
  }

  @Test
  void anotherStatusAClosedConnectionOrSilenceIsNot() throws Exception {
    assertThat(pingAnswered(SHORT, "HTTP/1.1 404 Not Found\r\n\r\n")).isFalse();
    assertThat(pingAnswered(SHORT, "HTTP/1.1 2000 OK\r\n\r\n")).isFalse();
    assertThat(pingAnswered(SHORT)).as("closed without a word").isFalse();
    assertThat(pingAnswered(SHORT, (String) null)).as("silent until the deadline").isFalse();
  }

  @Test
  void aStatusLineThatNeverEndsIsReadNoFurtherThanItsBound() throws Exception {
    assertThat(pingAnswered(SHORT, "HTTP/1.1 200" + "x".repeat(10 * ApiPing.MAX_STATUS_LINE)))
        .isFalse();
  }

  @Test
  void noSocketNoAnswer() {
    assertThat(ApiPing.answers(dir.resolve("absent.sock"), SHORT)).isFalse();
  }

  /**
   * Pings a server that reads the request, writes {@code replies} and closes; a null reply: it
   * stays silent past the ping's deadline.
   */
  private boolean pingAnswered(Duration timeout, String... replies) throws Exception {
    Path socket = dir.resolve("api.sock");
    try (ServerSocketChannel server = UnixSockets.listenPrivate(socket, 1)) {
      CompletableFuture<String> request =
          CompletableFuture.supplyAsync(
              () -> {
                try (SocketChannel client = server.accept()) {
                  ByteBuffer in = ByteBuffer.allocate(1024);
                  while (!new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)
                      .endsWith("\r\n\r\n")) {
                    client.read(in);
                  }
                  for (String reply : replies) {
                    if (reply == null) {
                      Thread.sleep(timeout.toMillis() * 3);
                      break;
                    }
                    client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.US_ASCII)));
                    Thread.sleep(20);
                  }
                  return new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new IllegalStateException(e);
                }
              });
      boolean answered = ApiPing.answers(socket, timeout);
      assertThat(request.get()).startsWith("GET /_ping HTTP/1.0\r\n");
      return answered;
    }
  }
}
