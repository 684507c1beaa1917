package dev.berth.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Saving a running VM's state to a file and continuing it from there, over QMP (QEMU 7.2). 7.2 has
 * no {@code file:} migration URI (8.2 added it), and handing QEMU a file descriptor ({@code getfd})
 * needs SCM_RIGHTS, which the JDK cannot send; so the stream goes through {@code exec:}, which QEMU
 * runs with {@code /bin/sh -c} on every host, the path quoted for that shell.
 *
 * <p>A save stops the VM first: the state is then written in one pass and is exactly the stopped
 * VM, and the VM it is restored into stays paused until {@link #resume}, so that whatever the guest
 * relies on outside (its network, forwards) is in place before it runs again.
 */
public final class QemuMigration {
  private static final ObjectMapper MAPPER = Json.plain();

  /** QEMU 7.2 limits migration to 128 MiB/s by default; a file takes whatever the disk gives. */
  static final long UNLIMITED_BANDWIDTH = 1L << 40;

  private static final Duration POLL = Duration.ofMillis(20);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

  private QemuMigration() {}

  /**
   * Migration is refused outright, before anything was stopped: QEMU's reasons, as it gave them.
   */
  public static final class BlockedException extends IOException {
    private static final long serialVersionUID = 1L;

    BlockedException(List<String> reasons) {
      super(String.join("; ", reasons));
    }
  }

  /** The URI that makes QEMU write its migration stream into {@code file}, replacing it. */
  public static String writeUri(Path file) {
    return "exec:cat > " + shellQuote(file.toString());
  }

  /** The URI that makes QEMU read a migration stream from {@code file}. */
  public static String readUri(Path file) {
    return "exec:cat " + shellQuote(file.toString());
  }

  /** One single-quoted sh word: only {@code '} needs care, closed, escaped and reopened. */
  static String shellQuote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  /** QEMU's version as {@code major.minor.micro} and its package, e.g. "7.2.22 (Debian 1:7.2…)". */
  public static String version(QmpClient qmp) throws IOException {
    JsonNode version = qmp.execute("query-version", COMMAND_TIMEOUT);
    JsonNode qemu = version.path("qemu");
    String number =
        qemu.path("major").asInt()
            + "."
            + qemu.path("minor").asInt()
            + "."
            + qemu.path("micro").asInt();
    String pkg = version.path("package").asText("").strip();
    return pkg.isEmpty() ? number : number + " " + pkg;
  }

  /**
   * Stops the VM and writes its state into {@code file}; returns the bytes QEMU wrote. A migration
   * QEMU refuses (a mounted 9p export, a device without migration support) throws {@link
   * BlockedException} with the VM still running; a failure after the stop resumes the VM and
   * throws.
   */
  public static long save(QmpClient qmp, Path file, Duration timeout) throws IOException {
    List<String> blocked = blockedReasons(qmp.execute("query-migrate", COMMAND_TIMEOUT));
    if (!blocked.isEmpty()) {
      throw new BlockedException(blocked);
    }
    ObjectNode parameters = MAPPER.createObjectNode().put("max-bandwidth", UNLIMITED_BANDWIDTH);
    qmp.execute("migrate-set-parameters", parameters, COMMAND_TIMEOUT);
    qmp.execute("stop", COMMAND_TIMEOUT);
    try {
      qmp.execute("migrate", MAPPER.createObjectNode().put("uri", writeUri(file)), COMMAND_TIMEOUT);
      return awaitCompletion(qmp, timeout).path("ram").path("transferred").asLong();
    } catch (IOException e) {
      try {
        qmp.execute("cont", COMMAND_TIMEOUT);
      } catch (IOException resume) {
        e.addSuppressed(resume);
      }
      throw e;
    }
  }

  /**
   * Loads the state in {@code file} into a QEMU started with {@code -incoming defer}; the VM is
   * then paused, as it was saved, until {@link #resume}.
   */
  public static void restore(QmpClient qmp, Path file, Duration timeout) throws IOException {
    qmp.execute(
        "migrate-incoming", MAPPER.createObjectNode().put("uri", readUri(file)), COMMAND_TIMEOUT);
    awaitCompletion(qmp, timeout);
  }

  /** Lets a paused VM run. */
  public static void resume(QmpClient qmp) throws IOException {
    qmp.execute("cont", COMMAND_TIMEOUT);
  }

  /** Polls {@code query-migrate} until the migration completes; its last answer. */
  private static JsonNode awaitCompletion(QmpClient qmp, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode info = qmp.execute("query-migrate", COMMAND_TIMEOUT);
      String status = info.path("status").asText();
      switch (status) {
        case "completed":
          return info;
        case "failed":
        case "cancelled":
          throw new IOException(
              "the migration " + status + ": " + info.path("error-desc").asText("no reason given"));
        default:
          break;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(
            "the migration did not complete within " + timeout.toSeconds() + " s (" + status + ")");
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for the migration", e);
      }
    }
  }

  private static List<String> blockedReasons(JsonNode info) {
    List<String> reasons = new ArrayList<>();
    info.path("blocked-reasons").forEach(reason -> reasons.add(reason.asText()));
    return reasons;
  }
}
