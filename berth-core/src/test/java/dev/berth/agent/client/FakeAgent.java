package dev.berth.agent.client;

import dev.berth.MachineEvent;
import dev.berth.agent.AgentProtocol;
import dev.berth.machine.MachineState;
import dev.berth.machine.RuntimeFiles;
import dev.berth.os.ChannelStreams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A machine's agent on its control socket, in the test's own process: it answers {@code status}
 * with the state and pid it is given; {@code watch} with one progress event, then what a stop makes
 * of the start; {@code stop}, when it obeys, as {@code MachineAgent} does while it boots (the start
 * fails, cancelled, and the agent exits), else by hanging up.
 */
final class FakeAgent implements AutoCloseable {
  static final String BOOTING = "Waiting for the guest to boot";

  private final RuntimeFiles files;
  private final String machine;
  private final MachineState state;
  private final long pid;
  private final boolean obeysStop;
  private final ServerSocketChannel server;
  private final List<SocketChannel> watchers = new CopyOnWriteArrayList<>();
  private final CompletableFuture<ProcessHandle> exited = new CompletableFuture<>();
  final List<String> requests = new CopyOnWriteArrayList<>();

  private FakeAgent(
      RuntimeFiles files, String machine, MachineState state, long pid, boolean obeysStop)
      throws IOException {
    this.files = files;
    this.machine = machine;
    this.state = state;
    this.pid = pid;
    this.obeysStop = obeysStop;
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(files.control()));
    Thread acceptor = new Thread(this::accept, "fake-agent");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** An agent that answers as {@code state}, its pid {@code pid}, and stops when asked. */
  static FakeAgent obeying(RuntimeFiles files, String machine, MachineState state, long pid)
      throws IOException {
    return new FakeAgent(files, machine, state, pid, true);
  }

  /** An agent that answers as {@code state}, its pid {@code pid}, and hangs up on a stop. */
  static FakeAgent ignoringStop(RuntimeFiles files, String machine, MachineState state, long pid)
      throws IOException {
    return new FakeAgent(files, machine, state, pid, false);
  }

  /** Completes once the agent has exited. */
  CompletableFuture<ProcessHandle> exited() {
    return exited;
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        Thread handler = new Thread(() -> serve(client), "fake-agent-client");
        handler.setDaemon(true);
        handler.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(SocketChannel client) {
    try {
      String line =
          new BufferedReader(
                  new InputStreamReader(ChannelStreams.input(client), StandardCharsets.UTF_8))
              .readLine();
      String op = AgentProtocol.operation(line);
      requests.add(op);
      switch (op) {
        case AgentProtocol.STATUS -> {
          send(client, new MachineEvent.Status(state.name(), pid));
          client.close();
        }
        case AgentProtocol.WATCH -> {
          send(client, new MachineEvent.Step(BOOTING));
          watchers.add(client);
        }
        case AgentProtocol.STOP, AgentProtocol.SHUTDOWN -> {
          if (obeysStop) {
            stopTheStart();
          }
          client.close();
        }
        default -> client.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void stopTheStart() throws IOException {
    for (SocketChannel watcher : watchers) {
      try (watcher) {
        send(
            watcher,
            new MachineEvent.Failed(
                "the start of machine \"" + machine + "\" was cancelled by a stop",
                null,
                List.of()));
        send(watcher, new MachineEvent.Stopped());
      } catch (IOException e) {
        // a watcher that has read its end of the start may hang up before the last event
      }
    }
    close();
  }

  private static void send(SocketChannel client, MachineEvent event) throws IOException {
    client.write(
        ByteBuffer.wrap((AgentProtocol.encode(event) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  /** Exits as the agent does: stops listening and removes its socket and pid file. */
  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(files.control());
    Files.deleteIfExists(files.agentPid());
    exited.complete(handle());
  }

  /** The agent's process, as the launcher hands it to {@code start}. */
  ProcessHandle handle() {
    return new ProcessHandle() {
      @Override
      public long pid() {
        return pid;
      }

      @Override
      public Optional<ProcessHandle> parent() {
        return Optional.empty();
      }

      @Override
      public Stream<ProcessHandle> children() {
        return Stream.empty();
      }

      @Override
      public Stream<ProcessHandle> descendants() {
        return Stream.empty();
      }

      @Override
      public Info info() {
        throw new UnsupportedOperationException("a fake agent tells nothing of itself");
      }

      @Override
      public CompletableFuture<ProcessHandle> onExit() {
        return exited;
      }

      @Override
      public boolean supportsNormalTermination() {
        return true;
      }

      @Override
      public boolean destroy() {
        return destroyForcibly();
      }

      @Override
      public boolean destroyForcibly() {
        try {
          close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return true;
      }

      @Override
      public boolean isAlive() {
        return !exited.isDone();
      }

      @Override
      public int compareTo(ProcessHandle other) {
        return Long.compare(pid, other.pid());
      }
    };
  }
}
