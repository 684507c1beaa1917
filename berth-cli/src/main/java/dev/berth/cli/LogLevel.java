package dev.berth.cli;

import dev.berth.BerthException;
import java.util.Locale;
import java.util.Set;

/** The {@code --log-level} setting, applied to slf4j-simple before any logger exists. */
final class LogLevel {
  private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");
  private static volatile boolean debug;

  private LogLevel() {}

  static void apply(String level) {
    String normal = level.toLowerCase(Locale.ROOT);
    if (!LEVELS.contains(normal)) {
      throw new BerthException(
          "invalid log level \"" + level + "\"", "use one of debug, info, warn, error");
    }
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", normal);
    debug = normal.equals("debug") || normal.equals("trace");
  }

  /** Whether errors should carry their stack traces. */
  static boolean debug() {
    return debug;
  }
}
