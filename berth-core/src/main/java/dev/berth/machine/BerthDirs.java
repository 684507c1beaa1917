package dev.berth.machine;

import dev.berth.os.Host;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where Berth keeps its files: machine descriptions, Ignition and keys under the config directory;
 * the image cache and machine disks under the data directory; sockets, pid files and logs under the
 * runtime directory. XDG locations by default; {@code BERTH_HOME} puts all three under one
 * directory.
 */
public record BerthDirs(Path config, Path data, Path runtime) {

  /**
   * The longest socket file name we put in a machine's runtime directory, plus its separator. Unix
   * socket paths are limited to 108 bytes on Linux and 104 on macOS (with the terminating NUL).
   */
  static final int LONGEST_SOCKET_NAME = "/ready.sock".length() + 8;

  static final int MAX_SOCKET_PATH = 103;

  public static BerthDirs from(Host host) {
    String berthHome = host.getenv("BERTH_HOME");
    if (berthHome != null) {
      Path root = Path.of(berthHome).toAbsolutePath();
      return new BerthDirs(root.resolve("config"), root.resolve("data"), runtimeBase(host, root));
    }
    Path configBase = xdg(host, "XDG_CONFIG_HOME", ".config");
    Path dataBase = xdg(host, "XDG_DATA_HOME", ".local/share");
    String runtimeDir = host.getenv("XDG_RUNTIME_DIR");
    Path runtime = runtimeDir != null ? Path.of(runtimeDir).resolve("berth") : host.runtimeBase();
    return new BerthDirs(
        configBase.resolve("berth"), dataBase.resolve("berth"), fitForSockets(host, runtime));
  }

  private static Path runtimeBase(Host host, Path berthHome) {
    return fitForSockets(host, berthHome.resolve("run"));
  }

  private static Path xdg(Host host, String variable, String fallbackUnderHome) {
    String value = host.getenv(variable);
    return value != null ? Path.of(value) : host.home().resolve(fallbackUnderHome);
  }

  /**
   * The runtime directory if a socket of a machine with the longest allowed name fits under it,
   * else a short private directory under /tmp.
   */
  private static Path fitForSockets(Host host, Path runtime) {
    int longest =
        runtime.toString().getBytes(StandardCharsets.UTF_8).length
            + 1
            + MachineName.MAX_LENGTH
            + LONGEST_SOCKET_NAME;
    return longest <= MAX_SOCKET_PATH ? runtime : shortRuntime(host);
  }

  /**
   * A name any user can take first: the directory is checked to be the user's alone before it is
   * used ({@link Machines#runtime}, {@link Machines#createRuntime}). On macOS only for a home too
   * deep for sockets: the periodic cleanup removes files there unused for three days.
   */
  private static Path shortRuntime(Host host) {
    return Path.of("/tmp", "berth-" + host.uid());
  }

  public Path machinesConfig() {
    return config.resolve("machines");
  }

  public Path machinesData() {
    return data.resolve("machines");
  }

  public Path images() {
    return data.resolve("images");
  }

  public Path locks() {
    return data.resolve("locks");
  }

  /** A machine's config directory: description, Ignition, key pair. Throws for an invalid name. */
  public Path machineConfig(String name) {
    return machinesConfig().resolve(MachineName.validate(name));
  }

  /** A machine's data directory: its disk. Throws for an invalid name. */
  public Path machineData(String name) {
    return machinesData().resolve(MachineName.validate(name));
  }

  /** A machine's runtime directory: sockets, pid files, logs. Throws for an invalid name. */
  public Path machineRuntime(String name) {
    return runtime.resolve(MachineName.validate(name));
  }
}
