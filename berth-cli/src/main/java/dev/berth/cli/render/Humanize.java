package dev.berth.cli.render;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;

/** podman's human units: {@code 2GiB}, {@code 3 hours ago} (Go's docker/go-units). */
public final class Humanize {
  private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private Humanize() {}

  /** Bytes in binary units with at most four significant digits: {@code 1.5GiB}. */
  public static String bytes(long bytes) {
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    BigDecimal rounded = new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros();
    return rounded.toPlainString() + BINARY_UNITS[unit];
  }

  /** How long ago, in go-units' words: "Less than a second", "About a minute", "3 hours". */
  public static String duration(Duration d) {
    long seconds = Math.max(0, d.toSeconds());
    if (seconds < 1) {
      return "Less than a second";
    }
    if (seconds == 1) {
      return "1 second";
    }
    if (seconds < 60) {
      return seconds + " seconds";
    }
    long minutes = d.toMinutes();
    if (minutes == 1) {
      return "About a minute";
    }
    if (minutes < 60) {
      return minutes + " minutes";
    }
    long hours = Math.round(d.toMinutes() / 60.0);
    if (hours == 1) {
      return "About an hour";
    }
    if (hours < 48) {
      return hours + " hours";
    }
    if (hours < 24 * 7 * 2) {
      return hours / 24 + " days";
    }
    if (hours < 24 * 30 * 2) {
      return hours / 24 / 7 + " weeks";
    }
    if (hours < 24 * 365 * 2) {
      return hours / 24 / 30 + " months";
    }
    return hours / 24 / 365 + " years";
  }
}
