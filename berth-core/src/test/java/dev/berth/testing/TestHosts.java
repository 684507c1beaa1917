package dev.berth.testing;

import dev.berth.os.Host;
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

  public static Host under(Path root, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("BERTH_HOME", root.resolve("berth").toString());
    env.put("XDG_CONFIG_HOME", root.resolve("xdg-config").toString());
    env.putAll(extraEnv);
    return new Host(
        env, root.resolve("home"), "tester", 1000, "linux", "x86_64", 4, 8L << 30,
        ZoneId.of("Europe/Berlin"));
  }
}
