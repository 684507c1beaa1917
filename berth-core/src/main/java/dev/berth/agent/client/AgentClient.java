package dev.berth.agent.client;

import dev.berth.MachineEvent;
import dev.berth.agent.AgentProtocol;
import dev.berth.machine.MachineState;
import dev.berth.machine.RuntimeFiles;
import dev.berth.os.ChannelStreams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
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
  private AgentClient() {}

  /** What a live agent says of itself. */
  public record Status(MachineState state, long pid) {}

  /** The agent's status, or empty when no agent answers (no socket, or a stale one). */
  public static Optional<Status> status(RuntimeFiles files, Duration timeout) {
    if (!Files.exists(files.control())) {
      return Optional.empty();
    }
    try {
      MachineEvent[] reply = new MachineEvent[1];
      converse(
          files,
          AgentProtocol.STATUS,
          e -> {
            reply[0] = e;
            return false;
          },
          timeout);
      if (!(reply[0] instanceof MachineEvent.Status status)) {
        return Optional.empty();
      }
      return Optional.of(new Status(MachineState.valueOf(status.state()), status.pid()));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Sends {@code op} and hands every event to {@code events} until it returns false, the agent
   * closes the connection, or {@code timeout} passes (then an IOException).
   */
  public static void converse(
      RuntimeFiles files, String op, Predicate<MachineEvent> events, Duration timeout)
      throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(files.control()));
      channel.write(ByteBuffer.wrap(AgentProtocol.request(op).getBytes(StandardCharsets.UTF_8)));
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
                    if (!events.test(AgentProtocol.decode(line))) {
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
        Throwable cause =
            e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
        throw new IOException("lost the agent: " + cause.getMessage(), cause);
      }
    }
  }
}
