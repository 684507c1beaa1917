package dev.berth.connection;

import dev.berth.BerthException;
import dev.berth.os.Host;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The podman system connections of Berth's machines, kept in both places podman reads them from:
 * {@code podman-connections.json} (podman 5) and the user's {@code containers.conf} (podman 4,
 * which reads no drop-in directory for these). Edits are made under podman's own lock file.
 */
public final class SystemConnections {
  private final Path containersDir;
  private final List<ConnectionFile> files;
  private final Path lockFile;

  SystemConnections(Path connectionsJson, Path containersConf) {
    this.containersDir = connectionsJson.toAbsolutePath().getParent();
    this.files =
        List.of(new PodmanConnectionsJson(connectionsJson), new ContainersConf(containersConf));
    this.lockFile = Path.of(connectionsJson + ".lock");
  }

  /** The files of the user this host describes, honouring podman's override variables. */
  public static SystemConnections of(Host host) {
    String configHome = host.getenv("XDG_CONFIG_HOME");
    Path containers =
        (configHome != null ? Path.of(configHome) : host.home().resolve(".config"))
            .resolve("containers");
    String json = host.getenv("PODMAN_CONNECTIONS_CONF");
    String conf = host.getenv("CONTAINERS_CONF");
    return new SystemConnections(
        json != null ? Path.of(json) : containers.resolve("podman-connections.json"),
        conf != null ? Path.of(conf) : containers.resolve("containers.conf"));
  }

  /** Every connection name in either file. */
  public Set<String> names() {
    return locked(
        () -> {
          Set<String> names = new LinkedHashSet<>();
          for (ConnectionFile f : files) {
            names.addAll(f.names());
          }
          return names;
        });
  }

  /** The default connection: podman 5's file first, as podman 5 reads it. */
  public Optional<String> defaultName() {
    return locked(
        () -> {
          for (ConnectionFile f : files) {
            Optional<String> name = f.defaultName();
            if (name.isPresent()) {
              return name;
            }
          }
          return Optional.empty();
        });
  }

  public void add(List<Connection> connections) {
    locked(
        () -> {
          for (ConnectionFile f : files) {
            f.add(connections);
          }
          return null;
        });
  }

  public void remove(Set<String> names, String fallback) {
    locked(
        () -> {
          for (ConnectionFile f : files) {
            f.remove(names, fallback);
          }
          return null;
        });
  }

  public void switchDefault(String from, String to) {
    locked(
        () -> {
          for (ConnectionFile f : files) {
            f.switchDefault(from, to);
          }
          return null;
        });
  }

  private interface Edit<T> {
    T run() throws IOException;
  }

  private <T> T locked(Edit<T> edit) {
    try {
      Files.createDirectories(containersDir);
      try (FileChannel channel =
              FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        return edit.run();
      }
    } catch (IOException e) {
      throw new BerthException(
          "cannot update podman system connections in " + containersDir + ": " + e.getMessage(),
          "check that the files there are valid and writable");
    }
  }
}
