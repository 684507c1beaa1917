package dev.berth.testing;

import dev.berth.os.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands in for {@code qemu-img} in unit tests: {@code info} reports a fixed format and size,
 * {@code create} makes the file, {@code resize} records the call. Every argv is recorded.
 */
public final class FakeQemuImg implements ProcessRunner {
  public final List<List<String>> calls = new ArrayList<>();
  public String format = "qcow2";
  public long virtualSize = 1L << 30;
  public boolean failCreate;

  @Override
  public Result run(List<String> argv, Duration timeout) {
    calls.add(List.copyOf(argv));
    String verb = argv.get(1);
    switch (verb) {
      case "info":
        if (!Files.exists(Path.of(argv.get(argv.size() - 1)))) {
          return new Result(1, "", "qemu-img: Could not open: No such file or directory\n");
        }
        return new Result(
            0, "{\"format\": \"" + format + "\", \"virtual-size\": " + virtualSize + "}", "");
      case "create":
        if (failCreate) {
          return new Result(1, "", "qemu-img: disk full\n");
        }
        try {
          Files.writeString(Path.of(argv.get(argv.size() - 2)), "overlay");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return new Result(0, "", "");
      case "resize":
        return new Result(0, "", "");
      default:
        return new Result(1, "", "unknown verb " + verb);
    }
  }
}
