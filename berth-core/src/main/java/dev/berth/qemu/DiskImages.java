package dev.berth.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.BerthException;
import dev.berth.Json;
import dev.berth.os.ProcessRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Disk image operations, done by {@code qemu-img}. */
public final class DiskImages {
  private static final Duration TIMEOUT = Duration.ofMinutes(5);
  public static final long GIB = 1L << 30;

  private final ProcessRunner runner;

  public DiskImages(ProcessRunner runner) {
    this.runner = runner;
  }

  /**
   * What {@code qemu-img info} says of an image: {@code actualSize} is what the file holds on the
   * host (allocated bytes; a sparse file's holes and trimmed clusters take none).
   */
  public record Info(String format, long virtualSize, long actualSize) {}

  /** Reads an image even while a running QEMU holds it ({@code -U}: no lock is taken). */
  public Info info(Path image) {
    ProcessRunner.Result result =
        qemuImg(List.of("qemu-img", "info", "-U", "--output=json", image.toString()));
    if (!result.succeeded()) {
      throw new BerthException(
          "cannot read disk image " + image + ": " + firstLine(result.stderr()),
          "pass a qcow2 or raw disk image");
    }
    try {
      JsonNode json = Json.mapper().readTree(result.stdout());
      return new Info(
          json.path("format").asText(),
          json.path("virtual-size").asLong(),
          json.path("actual-size").asLong());
    } catch (IOException e) {
      throw new BerthException(
          "qemu-img gave unreadable output for " + image + ": " + e.getMessage(), null, e);
    }
  }

  /** A qcow2 copy-on-write overlay on {@code base}, of {@code sizeGiB}. */
  public void createOverlay(Path base, String baseFormat, Path overlay, long sizeGiB) {
    check(
        qemuImg(
            List.of(
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-b",
                base.toAbsolutePath().toString(),
                "-F",
                baseFormat,
                overlay.toString(),
                sizeGiB + "G")),
        "cannot create disk " + overlay);
  }

  /** Grows a disk to {@code sizeGiB}. */
  public void resize(Path disk, long sizeGiB) {
    check(
        qemuImg(List.of("qemu-img", "resize", "-q", disk.toString(), sizeGiB + "G")),
        "cannot resize disk " + disk);
  }

  private ProcessRunner.Result qemuImg(List<String> argv) {
    try {
      return runner.run(argv, TIMEOUT);
    } catch (java.io.UncheckedIOException e) {
      throw new BerthException(
          "cannot run qemu-img: " + e.getCause().getMessage(),
          "install QEMU's tools (Debian: apt-get install qemu-utils; macOS: brew install qemu)");
    }
  }

  private static void check(ProcessRunner.Result result, String what) {
    if (!result.succeeded()) {
      throw new BerthException(what + ": " + firstLine(result.stderr()));
    }
  }

  private static String firstLine(String text) {
    String trimmed = text.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline);
  }
}
