package dev.berth.os;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;

/**
 * Facts about the host that decide defaults and limits: the environment, who we are, how much
 * hardware there is. A value, so tests construct one instead of reading the real host.
 */
public record Host(
    Map<String, String> env,
    Path home,
    String userName,
    int uid,
    String os,
    String arch,
    int cpus,
    long memoryBytes,
    ZoneId zone) {

  public Host {
    env = Map.copyOf(env);
  }

  /** The machine this JVM runs on. */
  public static Host current() {
    OperatingSystemMXBean osBean =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return new Host(
        System.getenv(),
        Path.of(System.getProperty("user.home")),
        System.getProperty("user.name"),
        (int) new com.sun.security.auth.module.UnixSystem().getUid(),
        normaliseOs(System.getProperty("os.name")),
        normaliseArch(System.getProperty("os.arch")),
        Runtime.getRuntime().availableProcessors(),
        osBean.getTotalMemorySize(),
        detectZone());
  }

  /** The value of an environment variable, or null when unset or empty. */
  public String getenv(String name) {
    String value = env.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  public boolean isMacOs() {
    return "darwin".equals(os);
  }

  /** The host's time zone name as an Olson id, e.g. "Europe/Berlin". */
  public String timezoneName() {
    return zone.getId();
  }

  /** TZ first, then the target of /etc/localtime, then the JVM's idea of the zone. */
  private static ZoneId detectZone() {
    String tz = System.getenv("TZ");
    if (tz != null && !tz.isEmpty()) {
      try {
        return ZoneId.of(tz.startsWith(":") ? tz.substring(1) : tz);
      } catch (java.time.DateTimeException e) {
        return ZoneId.systemDefault();
      }
    }
    Path localtime = Path.of("/etc/localtime");
    try {
      if (Files.isSymbolicLink(localtime)) {
        String target = Files.readSymbolicLink(localtime).toString();
        int at = target.indexOf("zoneinfo/");
        if (at >= 0) {
          return ZoneId.of(target.substring(at + "zoneinfo/".length()));
        }
      }
    } catch (java.io.IOException | java.time.DateTimeException e) {
      return ZoneId.systemDefault();
    }
    return ZoneId.systemDefault();
  }

  static String normaliseOs(String osName) {
    String lower = osName.toLowerCase(Locale.ROOT);
    if (lower.contains("mac") || lower.contains("darwin")) {
      return "darwin";
    }
    return lower.contains("linux") ? "linux" : lower;
  }

  /** Go/podman's spelling of the architecture is not ours: we use the kernel's (uname -m). */
  static String normaliseArch(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> osArch;
    };
  }
}
