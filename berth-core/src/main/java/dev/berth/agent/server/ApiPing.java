package dev.berth.agent.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Asks podman's API behind a unix socket {@code GET /_ping}, as clients do first, and tells whether
 * it answered 200 within a deadline. What comes back is read only as far as the status line, at
 * most {@link #MAX_STATUS_LINE} bytes: it comes from the guest.
 */
final class ApiPing {
  static final int MAX_STATUS_LINE = 256;

  private static final byte[] REQUEST =
      "GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private ApiPing() {}

  /** Whether the API at {@code socket} answers 200 within {@code timeout}. */
  static boolean answers(Path socket, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = Selector.open()) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(REQUEST));
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ);
      ByteBuffer status = ByteBuffer.allocate(MAX_STATUS_LINE);
      while (status.hasRemaining() && !lineEnds(status)) {
        long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
        if (leftMillis <= 0) {
          return false;
        }
        if (selector.select(leftMillis) > 0) {
          selector.selectedKeys().clear();
          if (channel.read(status) < 0) {
            break;
          }
        }
      }
      String line = new String(status.array(), 0, status.position(), StandardCharsets.US_ASCII);
      return line.matches("(?s)HTTP/1\\.[01] 200[ \r].*");
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean lineEnds(ByteBuffer read) {
    for (int i = 0; i < read.position(); i++) {
      if (read.get(i) == '\n') {
        return true;
      }
    }
    return false;
  }
}
