package dev.berth.testing;

import dev.berth.os.Host;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;

/** Hosts for tests: everything under one temporary directory, nothing read from the real host. */
public final class TestHosts {
  private TestHosts() {}

  /** A Linux host whose Berth and podman files all live under {@code root}. */
  public static Host under(Path root) {
    return under(root, Map.of());
  }

  /**
   * A host under {@code root} whose user is the owner of {@code root}: for tests whose code checks
   * that the files it finds are the user's own (the runtime directory).
   */
  public static Host ownedUnder(Path root) {
    Host host = under(root);
    try {
      int owner = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      return new Host(
          host.env(),
          host.home(),
          host.userName(),
          owner,
          host.os(),
          host.arch(),
          host.cpus(),
          host.memoryBytes(),
          host.zone());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Host under(Path root, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("BERTH_HOME", root.resolve("berth").toString());
    env.put("XDG_CONFIG_HOME", root.resolve("xdg-config").toString());
    env.putAll(extraEnv);
    return new Host(
        env,
        root.resolve("home"),
        "tester",
        1000,
        "linux",
        "x86_64",
        4,
        8L << 30,
        ZoneId.of("Europe/Berlin"));
  }
}
