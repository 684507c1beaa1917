package dev.berth.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.berth.BerthException;
import java.util.Locale;

/** A CPU architecture as image streams name it: a machine's guest architecture. */
public enum Architecture {
  X86_64("x86_64"),
  AARCH64("aarch64");

  private final String streamName;

  Architecture(String streamName) {
    this.streamName = streamName;
  }

  /**
   * The key under {@code architectures} in stream metadata, e.g. {@code x86_64}; also QEMU's name
   * ({@code qemu-system-x86_64}) and how a machine's description records it.
   */
  @JsonValue
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
  @JsonCreator
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

  /**
   * A machine architecture the user asked for ({@code init --arch}): the kernel's names, or
   * podman's and Go's ({@code amd64}, {@code arm64}).
   */
  public static Architecture parse(String requested) {
    try {
      return fromOsArch(requested);
    } catch (IllegalArgumentException e) {
      throw new BerthException(
          "unknown machine architecture \"" + requested + "\"",
          "pass --arch x86_64 (or amd64) or --arch aarch64 (or arm64)",
          e);
    }
  }
}
