package dev.berth.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The berth-os build that VM tests boot: guest/out of this checkout, made by guest/build. */
final class GuestImage {
  private GuestImage() {}

  static Path root() {
    return Path.of("..").toAbsolutePath().normalize();
  }

  /** The stream file of the built image; fails (never skips) when it has not been built. */
  static Path stream() {
    Path stream = root().resolve("guest/out/stream.json");
    if (!Files.isRegularFile(stream)) {
      throw new AssertionError(
          "VM tests need the berth-os image, and "
              + stream
              + " does not exist: build it with"
              + " guest/build (bin/test does)");
    }
    return stream;
  }

  static Path busyboxHttpd() {
    return root().resolve("guest/out/busybox-httpd.tar");
  }

  /** The busybox-httpd container image built for {@code arch} (x86_64 or aarch64). */
  static Path busyboxHttpd(String arch) {
    return root().resolve("guest/out/busybox-httpd-" + arch + ".tar");
  }
}
