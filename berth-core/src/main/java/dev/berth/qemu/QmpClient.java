package dev.berth.qemu;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.Json;
import dev.berth.os.ChannelStreams;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QEMU Machine Protocol client on a unix socket. Replies and events interleave on the wire (QEMU
 * sends {@code SHUTDOWN} before the reply to {@code quit}), so one reader thread demultiplexes:
 * replies complete the command with the same {@code id}, events go to the listener.
 *
 * @see <a href="https://www.qemu.org/docs/master/interop/qmp-spec.html">QMP specification</a>
 */
public final class QmpClient implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);
  private static final ObjectMapper MAPPER = Json.plain();

  private final SocketChannel channel;
  private final OutputStream out;
  private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Consumer<JsonNode> events;

  private QmpClient(SocketChannel channel, Consumer<JsonNode> events) {
    this.channel = channel;
    this.out = ChannelStreams.output(channel);
    this.events = events;
  }

  /** A QMP error reply: its class and description, as QEMU gave them. */
  public static final class QmpException extends IOException {
    private static final long serialVersionUID = 1L;

    QmpException(String message) {
      super(message);
    }
  }

  /**
   * Connects, reads the greeting and negotiates capabilities. {@code events} receives every
   * asynchronous event on the reader thread. QEMU makes the socket with its umask; it is made the
   * owner's alone first, since whoever reaches QEMU's monitor controls the machine.
   */
  public static QmpClient connect(Path socket, Consumer<JsonNode> events, Duration timeout)
      throws IOException {
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    QmpClient client = new QmpClient(channel, events);
    CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    client.pending.put("greeting", greeting);
    Thread reader = new Thread(() -> client.readLoop(ChannelStreams.input(channel)), "qmp-reader");
    reader.setDaemon(true);
    reader.start();
    try {
      client.await(greeting, timeout);
      client.execute("qmp_capabilities", timeout);
    } catch (IOException e) {
      client.close();
      throw e;
    }
    return client;
  }

  /** Runs a command and returns its {@code return} value. */
  public JsonNode execute(String command, Duration timeout) throws IOException {
    return execute(command, null, timeout);
  }

  public JsonNode execute(String command, ObjectNode arguments, Duration timeout)
      throws IOException {
    String id = "berth-" + ids.incrementAndGet();
    ObjectNode request = MAPPER.createObjectNode().put("execute", command).put("id", id);
    if (arguments != null) {
      request.set("arguments", arguments);
    }
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    synchronized (out) {
      out.write((MAPPER.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
    JsonNode message = await(reply, timeout);
    if (message.has("error")) {
      JsonNode error = message.get("error");
      throw new QmpException(
          command + ": " + error.path("class").asText() + ": " + error.path("desc").asText());
    }
    return message.path("return");
  }

  /** Completes when QEMU closes the connection (it exited, or is exiting). */
  public CompletableFuture<Void> closedFuture() {
    return closed;
  }

  private JsonNode await(CompletableFuture<JsonNode> future, Duration timeout) throws IOException {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for QMP", e);
    } catch (ExecutionException e) {
      throw new IOException("QMP connection lost: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("QMP gave no answer within " + timeout.toMillis() + " ms");
    }
  }

  private void readLoop(InputStream in) {
    IOException failure = new IOException("QEMU closed the QMP connection");
    try (JsonParser parser = MAPPER.getFactory().createParser(in);
        MappingIterator<JsonNode> messages = MAPPER.readValues(parser, JsonNode.class)) {
      while (messages.hasNextValue()) {
        dispatch(messages.nextValue());
      }
    } catch (IOException | RuntimeException e) {
      failure = new IOException("QMP connection failed: " + e.getMessage(), e);
    } finally {
      IOException cause = failure;
      pending.values().forEach(f -> f.completeExceptionally(cause));
      pending.clear();
      closed.complete(null);
    }
  }

  private void dispatch(JsonNode message) {
    if (message.has("QMP")) {
      complete("greeting", message);
    } else if (message.has("event")) {
      LOG.debug("QMP event {}", message);
      try {
        events.accept(message);
      } catch (RuntimeException e) {
        LOG.warn("QMP event handler failed on {}", message, e);
      }
    } else if (message.has("id")) {
      complete(message.get("id").asText(), message);
    } else {
      LOG.debug("QMP message without id: {}", message);
    }
  }

  private void complete(String id, JsonNode message) {
    CompletableFuture<JsonNode> future = pending.remove(id);
    if (future != null) {
      future.complete(message);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
