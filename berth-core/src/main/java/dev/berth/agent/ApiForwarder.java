package dev.berth.agent;

import dev.berth.net.UnixSockets;
import dev.berth.net.ssh.DirectStreamLocalChannel;
import dev.berth.os.ChannelStreams;
import dev.berth.ssh.GuestSsh;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host API socket: each connection a client makes is carried over its own SSH {@code
 * direct-streamlocal} channel to the podman socket in the guest, byte for byte in both
 * directions, with half-close passed on (HTTP clients rely on it).
 */
final class ApiForwarder implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiForwarder.class);
  private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);

  private final Path socket;
  private final ServerSocketChannel server;
  private final Supplier<GuestSsh> ssh;
  private final String guestSocket;
  private final ExecutorService pumps =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "api-forward");
            t.setDaemon(true);
            return t;
          });

  private ApiForwarder(
      Path socket, ServerSocketChannel server, Supplier<GuestSsh> ssh, String guestSocket) {
    this.socket = socket;
    this.server = server;
    this.ssh = ssh;
    this.guestSocket = guestSocket;
  }

  /**
   * Listens on {@code socket} (mode 0600) and forwards to {@code guestSocket} over the session
   * {@code ssh} supplies (a live one: it reconnects if the last one dropped).
   */
  static ApiForwarder start(Path socket, Supplier<GuestSsh> ssh, String guestSocket)
      throws IOException {
    ServerSocketChannel server = UnixSockets.listenPrivate(socket, 0);
    ApiForwarder forwarder = new ApiForwarder(socket, server, ssh, guestSocket);
    forwarder.pumps.execute(forwarder::acceptLoop);
    return forwarder;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        pumps.execute(() -> serve(client));
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.warn("API socket accept failed", e);
        }
        return;
      }
    }
  }

  private void serve(SocketChannel client) {
    try (client;
        DirectStreamLocalChannel channel = ssh.get().openUnixSocket(guestSocket, OPEN_TIMEOUT)) {
      InputStream fromGuest = channel.getInvertedOut();
      OutputStream toGuest = channel.getInvertedIn();
      InputStream fromClient = ChannelStreams.input(client);
      OutputStream toClient = ChannelStreams.output(client);
      var upstream =
          pumps.submit(
              () -> {
                copy(fromClient, toGuest);
                toGuest.close();
                return null;
              });
      copy(fromGuest, toClient);
      client.shutdownOutput();
      upstream.get();
    } catch (Exception e) {
      LOG.warn("API connection failed: {}", e.toString());
    }
  }

  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
      out.flush();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    pumps.shutdownNow();
    Files.deleteIfExists(socket);
  }
}
