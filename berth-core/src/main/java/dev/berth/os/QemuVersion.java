package dev.berth.os;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A QEMU release, as {@code qemu-system-* --version} prints it. */
public record QemuVersion(int major, int minor, int micro) implements Comparable<QemuVersion> {
  private static final Pattern VERSION =
      Pattern.compile("version (\\d{1,4})\\.(\\d{1,4})(?:\\.(\\d{1,4}))?");

  /**
   * The version in the first line of {@code --version}'s output, e.g. "QEMU emulator version 7.2.15
   * (…)".
   */
  public static Optional<QemuVersion> parse(String output) {
    Matcher m = VERSION.matcher(output);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(
        new QemuVersion(
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
  }

  public boolean isBefore(QemuVersion other) {
    return compareTo(other) < 0;
  }

  @Override
  public int compareTo(QemuVersion other) {
    int byMajor = Integer.compare(major, other.major);
    if (byMajor != 0) {
      return byMajor;
    }
    int byMinor = Integer.compare(minor, other.minor);
    return byMinor != 0 ? byMinor : Integer.compare(micro, other.micro);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + micro;
  }
}
