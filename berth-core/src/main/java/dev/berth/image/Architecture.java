package dev.berth.image;

import java.util.Locale;

/** A CPU architecture as image streams name it. */
public enum Architecture {
  X86_64("x86_64"),
  AARCH64("aarch64");

  private final String streamName;

  Architecture(String streamName) {
    this.streamName = streamName;
  }

  /** The key under {@code architectures} in stream metadata, e.g. {@code x86_64}. */
  public String streamName() {
    return streamName;
  }

  /** The architecture of this JVM's host. */
  public static Architecture host() {
    return fromOsArch(System.getProperty("os.arch"));
  }

  /**
   * Maps a Java {@code os.arch} value to the stream's name; the JVM says {@code amd64} where
   * streams say {@code x86_64}.
   *
   * @throws IllegalArgumentException for an architecture Berth has no images for
   */
  public static Architecture fromOsArch(String osArch) {
    switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64":
      case "x86_64":
        return X86_64;
      case "aarch64":
      case "arm64":
        return AARCH64;
      default:
        throw new IllegalArgumentException("no guest images exist for architecture " + osArch);
    }
  }
}
