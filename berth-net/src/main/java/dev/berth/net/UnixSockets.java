package dev.berth.net;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Unix-socket listeners only their owner may connect to. */
public final class UnixSockets {

    private UnixSockets() {
    }

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
}
