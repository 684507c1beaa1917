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
import java.nio.charset.StandardCharsets;
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
  private static final byte[] PING =
      "GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

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

  /**
   * Sends one {@code GET /_ping} to the guest's API socket, retrying while the socket is not there
   * yet, for at most {@code patience}: it starts podman's socket-activated service during the
   * boot, so that the first request a user makes does not wait for it. Returns whether podman
   * answered.
   */
  static boolean warmUp(GuestSsh ssh, String guestSocket, Duration patience) {
    long start = System.nanoTime();
    long deadline = start + patience.toNanos();
    String last = "";
    while (ssh.isOpen() && System.nanoTime() < deadline) {
      try (DirectStreamLocalChannel channel = ssh.openUnixSocket(guestSocket, OPEN_TIMEOUT)) {
        OutputStream toGuest = channel.getInvertedIn();
        toGuest.write(PING);
        toGuest.flush();
        String status = new String(channel.getInvertedOut().readNBytes(12), StandardCharsets.US_ASCII);
        if (status.startsWith("HTTP/1.1 200")) {
          LOG.info("podman's API answered in {} ms", (System.nanoTime() - start) / 1_000_000);
          return true;
        }
        last = status.isEmpty() ? "no answer" : status;
      } catch (IOException e) {
        last = e.toString();
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    LOG.info("podman's API did not answer {} within {} s: {}", guestSocket, patience.toSeconds(), last);
    return false;
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
