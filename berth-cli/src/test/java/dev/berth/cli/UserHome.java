package dev.berth.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A temporary home for a VM test: Berth's files, podman's and docker's connections all under it,
 * and the berth CLI run with it as {@code HOME}.
 */
final class UserHome {
  final Path dir;
  final Map<String, String> env;

  private UserHome(Path dir) {
    this.dir = dir;
    this.env =
        Map.of(
            "BERTH_HOME",
            dir.resolve("berth").toString(),
            "XDG_CONFIG_HOME",
            dir.resolve("xdg").toString(),
            "HOME",
            dir.toString());
  }

  static UserHome create(String prefix) throws Exception {
    return new UserHome(Files.createTempDirectory(prefix));
  }

  Exec berth(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(GuestImage.root().resolve("bin/berth").toString()));
    argv.addAll(List.of(args));
    return Exec.run(env, Duration.ofMinutes(15), argv);
  }

  /** A machine's API socket, as {@code inspect} reports it (a long home puts it under /tmp). */
  Path socket(String machine) throws Exception {
    Exec inspect = berth("inspect", "--format", "{{.ConnectionInfo.PodmanSocket.Path}}", machine);
    if (inspect.code() != 0) {
      throw new AssertionError("berth inspect " + machine + ": " + inspect.out());
    }
    return Path.of(inspect.out().strip());
  }

  /** Removes the machine, stopping it, then every file. */
  void delete(String machine) throws Exception {
    berth("rm", "-f", machine);
    Exec.run(Map.of(), List.of("rm", "-rf", dir.toString()));
  }
}
