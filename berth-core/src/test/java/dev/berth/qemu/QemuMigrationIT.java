package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the real QEMU: a bare x86_64 VM (firmware only, no disk) saved into a file whose path
 * needs quoting, then continued by a second QEMU started with {@code -incoming defer}.
 */
class QemuMigrationIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private static boolean qemuPresent() {
    try {
      return new ProcessBuilder("qemu-system-x86_64", "--version").start().waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private Process qemu(Path qmp, String... extra) throws IOException {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "qemu-system-x86_64",
                "-machine",
                "q35,accel=tcg",
                "-m",
                "64M",
                "-nodefaults",
                "-display",
                "none",
                "-no-user-config",
                "-device",
                "virtio-balloon-pci,free-page-reporting=on",
                "-qmp",
                "unix:" + qmp + ",server=on,wait=off"));
    argv.addAll(List.of(extra));
    return new ProcessBuilder(argv)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("qemu.log").toFile())
        .start();
  }

  private static QmpClient connect(Path socket, Process qemu) throws Exception {
    for (int i = 0; i < 200 && qemu.isAlive(); i++) {
      if (Files.exists(socket)) {
        try {
          return QmpClient.connect(socket, e -> {}, TIMEOUT);
        } catch (IOException e) {
          // not listening yet
        }
      }
      Thread.sleep(50);
    }
    throw new IOException("QEMU's QMP never answered");
  }

  @Test
  void saveThenRestore_intoAPathWithASpaceAndAQuote_resumesPausedThenRuns() throws Exception {
    assumeTrue(qemuPresent(), "qemu-system-x86_64 is not installed");
    Path state = Files.createDirectories(dir.resolve("a b'c")).resolve("disk.qcow2.state");
    Process source = qemu(dir.resolve("q1.sock"));
    try (QmpClient qmp = connect(dir.resolve("q1.sock"), source)) {
      String version = QemuMigration.version(qmp);
      assertThat(version).matches("\\d+\\.\\d+\\.\\d+.*");
      long bytes = QemuMigration.save(qmp, state, TIMEOUT);
      assertThat(bytes).isPositive();
      assertThat(qmp.execute("query-status", TIMEOUT).path("status").asText())
          .isEqualTo("postmigrate");
      qmp.execute("quit", TIMEOUT);
    } finally {
      source.destroyForcibly().waitFor();
    }
    assertThat(Files.size(state)).isPositive();
    assertThat(Files.readAllBytes(state)).startsWith(new byte[] {'Q', 'E', 'V', 'M', 0, 0, 0, 3});

    Process target = qemu(dir.resolve("q2.sock"), "-incoming", "defer");
    try (QmpClient qmp = connect(dir.resolve("q2.sock"), target)) {
      QemuMigration.restore(qmp, state, TIMEOUT);
      assertThat(qmp.execute("query-status", TIMEOUT).path("status").asText()).isEqualTo("paused");
      QemuMigration.resume(qmp);
      assertThat(qmp.execute("query-status", TIMEOUT).path("status").asText()).isEqualTo("running");
      qmp.execute("quit", TIMEOUT);
    } finally {
      target.destroyForcibly().waitFor();
    }
  }
}
