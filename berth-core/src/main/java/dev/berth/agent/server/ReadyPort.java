package dev.berth.agent.server;

import dev.berth.BerthException;
import dev.berth.net.unix.UnixSockets;
import dev.berth.os.ChannelStreams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The socket QEMU connects the guest's ready port to: the guest writes {@code Ready} once booted,
 * or {@link FirstBootFailure#LINE} when its first-boot configuration failed.
 */
final class ReadyPort implements AutoCloseable {
  private final ServerSocketChannel server;
  private final CompletableFuture<String> ready = new CompletableFuture<>();

  private ReadyPort(ServerSocketChannel server) {
    this.server = server;
  }

  /** Listens on {@code socket}; a first-boot failure completes {@link #ready} with its error. */
  static ReadyPort open(Path socket, Supplier<BerthException> firstBootFailure) throws IOException {
    ReadyPort port = new ReadyPort(UnixSockets.listenPrivate(socket, 0));
    Thread reader = new Thread(() -> port.read(firstBootFailure), "ready-port");
    reader.setDaemon(true);
    reader.start();
    return port;
  }

  /** Completes with the guest's {@code Ready} line, or with the guest's failure. */
  CompletableFuture<String> ready() {
    return ready;
  }

  private void read(Supplier<BerthException> firstBootFailure) {
    try (SocketChannel port = server.accept()) {
      BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(ChannelStreams.input(port), StandardCharsets.UTF_8));
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.strip().equals("Ready")) {
          ready.complete(line);
        } else if (line.strip().equals(FirstBootFailure.LINE)) {
          ready.completeExceptionally(firstBootFailure.get());
        }
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
