package dev.berth.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.machine.MachineState;
import dev.berth.machine.RuntimeFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import dev.berth.os.ChannelStreams;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** Talks to a machine's agent over its control socket. */
public final class AgentClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private AgentClient() {}

  /** What a live agent says of itself. */
  public record Status(MachineState state, long pid) {}

  /** The agent's status, or empty when no agent answers (no socket, or a stale one). */
  public static Optional<Status> status(RuntimeFiles files, Duration timeout) {
    if (!Files.exists(files.control())) {
      return Optional.empty();
    }
    try {
      AgentEvent[] reply = new AgentEvent[1];
      converse(
          files,
          "status",
          e -> {
            reply[0] = e;
            return false;
          },
          timeout);
      if (reply[0] == null || !AgentEvent.STATUS.equals(reply[0].type())) {
        return Optional.empty();
      }
      return Optional.of(new Status(MachineState.valueOf(reply[0].state()), reply[0].pid()));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Sends {@code op} and hands every event to {@code events} until it returns false, the agent
   * closes the connection, or {@code timeout} passes (then an IOException).
   */
  public static void converse(
      RuntimeFiles files, String op, Predicate<AgentEvent> events, Duration timeout)
      throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(files.control()));
      channel.write(
          ByteBuffer.wrap(("{\"op\":\"" + op + "\"}\n").getBytes(StandardCharsets.UTF_8)));
      CompletableFuture<Void> done =
          CompletableFuture.runAsync(
              () -> {
                try {
                  BufferedReader reader =
                      new BufferedReader(
                          new InputStreamReader(
                              ChannelStreams.input(channel), StandardCharsets.UTF_8));
                  String line;
                  while ((line = reader.readLine()) != null) {
                    if (!events.test(MAPPER.readValue(line, AgentEvent.class))) {
                      return;
                    }
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      try {
        done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IOException("the agent gave no answer within " + timeout.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted talking to the agent");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
        throw new IOException("lost the agent: " + cause.getMessage(), cause);
      }
    }
  }
}
