package dev.berth.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.Json;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of qemu-guest-agent in the guest, through the virtio-serial port whose host end QEMU
 * serves on a unix socket. The port is a byte stream that outlives agent restarts, so every
 * conversation starts with {@code guest-sync-delimited}: the agent answers with a 0xFF byte and the
 * echoed id, and everything before those is stale and skipped. What the guest sends is bounded (a
 * line of at most {@link #MAX_LINE} bytes) and every read has a deadline: the guest is untrusted.
 *
 * @see <a href="https://www.qemu.org/docs/master/interop/qemu-ga-ref.html">QEMU Guest Agent
 *     protocol</a>
 */
public final class GuestAgentClient implements Closeable {
  static final int MAX_LINE = 64 * 1024;

  /** qemu-ga's refusal of a command it does not offer (or was told to block). */
  static final String NOT_SUPPORTED = "this feature or command is not currently supported";

  /** qemu-ga's error where hwclock failed after the system clock was set. */
  static final String HWCLOCK_FAILED = "hwclock failed to set hardware clock to system time";

  /** The guest's date (GNU coreutils: berth-os is Debian). */
  static final String DATE = "/bin/date";

  /** How far the guest's clock may read from the time just set: the exchange's own latency. */
  static final Duration SET_TOLERANCE = Duration.ofSeconds(1);

  private static final Duration EXEC_POLL = Duration.ofMillis(10);
  private static final ObjectMapper MAPPER = Json.plain();
  private static final int DELIMITER = 0xFF;

  private final SocketChannel channel;
  private final Selector selector;
  private final Duration timeout;
  private final AtomicLong syncIds = new AtomicLong(System.nanoTime() & 0x7fffffffL);
  private final ByteBuffer buffer = ByteBuffer.allocate(8192).flip();

  private GuestAgentClient(SocketChannel channel, Selector selector, Duration timeout) {
    this.channel = channel;
    this.selector = selector;
    this.timeout = timeout;
  }

  /** Connects to QEMU's end of the port; each later exchange must finish within {@code timeout}. */
  public static GuestAgentClient connect(Path socket, Duration timeout) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.configureBlocking(false);
      Selector selector = Selector.open();
      channel.register(selector, SelectionKey.OP_READ);
      return new GuestAgentClient(channel, selector, timeout);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Sets the guest's system clock to {@code now}, with the guest's {@code date}, which qemu-ga runs
   * as root. qemu-ga's own {@code guest-set-time} writes the hardware clock too (hwclock, which
   * waits for the RTC's next second: 0.7 to 1.3 s under emulation); QEMU's RTC follows the host's
   * and needs no setting. Where the guest agent refuses {@code guest-exec}, {@code guest-set-time}
   * it is.
   */
  public void setTime(Instant now) throws IOException {
    long started = System.nanoTime();
    try {
      setTimeWithDate(now);
    } catch (GuestAgentException e) {
      setTimeWithAgent(now.plusNanos(System.nanoTime() - started));
    }
  }

  /**
   * {@code guest-set-time}. qemu-ga (7.2) refuses it outright, setting nothing, where the guest has
   * no {@code /sbin/hwclock}. Where hwclock ran and failed, the system clock was set before it:
   * that is checked, not an error.
   */
  private void setTimeWithAgent(Instant now) throws IOException {
    long started = System.nanoTime();
    long nanos =
        Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
    try {
      execute("guest-set-time", MAPPER.createObjectNode().put("time", nanos));
    } catch (GuestAgentException e) {
      if (!e.description().equals(HWCLOCK_FAILED)) {
        throw e;
      }
      checkTime(now, started);
    }
  }

  /** Runs the guest's {@code date -u -s @SECONDS.NANOS} through {@code guest-exec}. */
  private void setTimeWithDate(Instant now) throws IOException {
    String at = "@" + now.getEpochSecond() + "." + String.format("%09d", now.getNano());
    ObjectNode exec = MAPPER.createObjectNode().put("path", DATE);
    exec.putArray("arg").add("-u").add("-s").add(at);
    long pid = execute("guest-exec", exec).path("pid").asLong(-1);
    if (pid <= 0) {
      throw new IOException("guest-exec: the guest agent answered without a process id");
    }
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      JsonNode status = execute("guest-exec-status", MAPPER.createObjectNode().put("pid", pid));
      if (status.path("exited").asBoolean(false)) {
        int code = status.path("exitcode").asInt(-1);
        if (code != 0) {
          throw new IOException(DATE + " -s in the guest failed (exit status " + code + ")");
        }
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException(
            DATE + " -s in the guest did not finish within " + timeout.toMillis() + " ms");
      }
      try {
        Thread.sleep(EXEC_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for " + DATE + " in the guest", e);
      }
    }
  }

  /**
   * Throws unless the guest's clock reads within {@link #SET_TOLERANCE} of the host's {@code now},
   * taken {@code started} (a {@link System#nanoTime}) ago.
   */
  private void checkTime(Instant now, long started) throws IOException {
    long guestNanos = execute("guest-get-time", null).asLong();
    long offMillis =
        guestNanos / 1_000_000 - now.plusNanos(System.nanoTime() - started).toEpochMilli();
    if (Math.abs(offMillis) > SET_TOLERANCE.toMillis()) {
      throw new IOException(
          "guest-set-time: the guest's clock is " + offMillis + " ms off after setting it");
    }
  }

  /** Runs a command after a fresh sync; returns its {@code return} value. */
  public synchronized JsonNode execute(String command, ObjectNode arguments) throws IOException {
    Instant deadline = Instant.now().plus(timeout);
    sync(deadline);
    ObjectNode request = MAPPER.createObjectNode().put("execute", command);
    if (arguments != null) {
      request.set("arguments", arguments);
    }
    write(request);
    JsonNode reply = parse(readLine(deadline));
    if (reply.has("error")) {
      JsonNode error = reply.get("error");
      throw new GuestAgentException(
          command, error.path("class").asText(), abbreviate(error.path("desc").asText()));
    }
    if (!reply.has("return")) {
      throw new IOException(command + ": the guest agent answered without a result");
    }
    return reply.get("return");
  }

  /** The guest agent answered a command with an error. */
  public static final class GuestAgentException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String description;

    GuestAgentException(String command, String errorClass, String description) {
      super(command + ": " + errorClass + ": " + description);
      this.description = description;
    }

    /** The error's {@code desc}, as the guest agent gave it (abbreviated). */
    public String description() {
      return description;
    }
  }

  private void sync(Instant deadline) throws IOException {
    long id = syncIds.incrementAndGet();
    write(
        MAPPER
            .createObjectNode()
            .put("execute", "guest-sync-delimited")
            .set("arguments", MAPPER.createObjectNode().put("id", id)));
    while (readByte(deadline) != DELIMITER) {
      // stale output of an earlier conversation
    }
    JsonNode reply = parse(readLine(deadline));
    if (reply.path("return").asLong(-1) != id) {
      throw new IOException(
          "the guest agent answered the sync with " + abbreviate(reply.toString()));
    }
  }

  private void write(JsonNode request) throws IOException {
    ByteBuffer out =
        ByteBuffer.wrap(
            (MAPPER.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
    Instant deadline = Instant.now().plus(timeout);
    while (out.hasRemaining()) {
      if (channel.write(out) == 0) {
        await(deadline, SelectionKey.OP_WRITE);
      }
    }
  }

  private String readLine(Instant deadline) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = readByte(deadline);
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      if (b == DELIMITER) {
        line.reset();
        continue;
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("the guest agent sent a line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
  }

  private int readByte(Instant deadline) throws IOException {
    while (!buffer.hasRemaining()) {
      buffer.clear();
      int n = channel.read(buffer);
      buffer.flip();
      if (n < 0) {
        throw new IOException("QEMU closed the guest agent's port");
      }
      if (n == 0) {
        await(deadline, SelectionKey.OP_READ);
      }
    }
    return buffer.get() & 0xFF;
  }

  private void await(Instant deadline, int operation) throws IOException {
    long millis = Duration.between(Instant.now(), deadline).toMillis();
    if (millis <= 0) {
      throw new IOException(
          "the guest agent gave no answer within "
              + timeout.toMillis()
              + " ms (is qemu-guest-agent running?)");
    }
    channel.keyFor(selector).interestOps(operation);
    selector.select(millis);
    selector.selectedKeys().clear();
  }

  private static JsonNode parse(String line) throws IOException {
    try {
      return MAPPER.readTree(line);
    } catch (IOException e) {
      throw new IOException(
          "the guest agent sent something other than JSON: " + abbreviate(line), e);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }

  @Override
  public void close() throws IOException {
    try {
      selector.close();
    } finally {
      channel.close();
    }
  }
}
