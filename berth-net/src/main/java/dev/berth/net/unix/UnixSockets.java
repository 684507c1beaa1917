package dev.berth.net.unix;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Unix-socket listeners only their owner may connect to, and connected pairs. */
public final class UnixSockets {

  private UnixSockets() {}

  /**
   * Listens on {@code path} with mode 0600, replacing a stale socket file there; {@code backlog} 0
   * takes the system's default. On failure nothing is left open or on disk.
   */
  public static ServerSocketChannel listenPrivate(Path path, int backlog) throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(path), backlog);
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
      return server;
    } catch (IOException | RuntimeException e) {
      server.close();
      Files.deleteIfExists(path);
      throw e;
    }
  }

  /** A new temporary directory only its owner may enter, for sockets of this process. */
  public static Path privateDirectory(String prefix) throws IOException {
    return Files.createTempDirectory(
        prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  /**
   * Two connected unix sockets in blocking mode (Java has no socketpair): made through a listener
   * in a new private directory, which is gone when this returns.
   */
  public static SocketChannel[] pair() throws IOException {
    Path dir = privateDirectory("berth-pair");
    Path path = dir.resolve("pair.sock");
    try (ServerSocketChannel server = listenPrivate(path, 1)) {
      SocketChannel first = SocketChannel.open(UnixDomainSocketAddress.of(path));
      try {
        return new SocketChannel[] {first, server.accept()};
      } catch (IOException | RuntimeException e) {
        first.close();
        throw e;
      }
    } finally {
      Files.deleteIfExists(path);
      Files.delete(dir);
    }
  }
}
