package dev.berth.net.log;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Log lines that a guest can cause, at most {@link #LINES_PER_MINUTE} a minute for each place that
 * logs: a flood of spoofed MACs or refused requests must not fill the disk with the log. The first
 * line after a quiet spell says how many were left out. Thread-safe.
 */
public final class LogRate {

  public static final int LINES_PER_MINUTE = 20;
  private static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final LongSupplier nanoClock;
  private long windowStart;
  private int linesInWindow;
  private long suppressed;

  public LogRate() {
    this(System::nanoTime);
  }

  LogRate(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.windowStart = nanoClock.getAsLong();
  }

  public void info(Logger log, String format, Object... args) {
    String line = admit(format);
    if (line != null) {
      log.info(line, args);
    }
  }

  public void warn(Logger log, String format, Object... args) {
    String line = admit(format);
    if (line != null) {
      log.warn(line, args);
    }
  }

  /** The format to log now (with the count left out before it), or null to leave this line out. */
  synchronized String admit(String format) {
    long now = nanoClock.getAsLong();
    if (now - windowStart >= WINDOW_NANOS) {
      windowStart = now;
      linesInWindow = 0;
    }
    if (linesInWindow >= LINES_PER_MINUTE) {
      suppressed++;
      return null;
    }
    linesInWindow++;
    if (suppressed == 0) {
      return format;
    }
    String line = format + " (" + suppressed + " similar lines left out)";
    suppressed = 0;
    return line;
  }
}
