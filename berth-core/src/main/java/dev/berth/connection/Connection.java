package dev.berth.connection;

import java.nio.file.Path;

/** A podman system connection: a name, an {@code ssh://} URI to a podman socket, a key. */
public record Connection(String name, String uri, Path identity) {

  /** The rootless connection of a machine, named like the machine. */
  public static Connection rootless(String machine, int port, String user, int uid, Path key) {
    return new Connection(
        machine,
        "ssh://" + user + "@127.0.0.1:" + port + "/run/user/" + uid + "/podman/podman.sock",
        key);
  }

  /** The rootful connection of a machine, named {@code MACHINE-root}. */
  public static Connection rootful(String machine, int port, Path key) {
    return new Connection(
        rootName(machine), "ssh://root@127.0.0.1:" + port + "/run/podman/podman.sock", key);
  }

  public static String rootName(String machine) {
    return machine + "-root";
  }
}
