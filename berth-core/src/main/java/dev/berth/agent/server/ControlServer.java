package dev.berth.agent.server;

import dev.berth.MachineEvent;
import dev.berth.agent.AgentProtocol;
import dev.berth.machine.MachineState;
import dev.berth.machine.RuntimeFiles;
import dev.berth.net.unix.UnixSockets;
import dev.berth.os.AtomicFiles;
import dev.berth.os.ChannelStreams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's control socket: answers {@code status}, replays every event so far to a {@code watch}
 * and then sends it each new one, and hands {@code stop} to the agent. While it answers, the
 * machine is the agent's; its pid file says so before the socket exists.
 */
final class ControlServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

  private final RuntimeFiles files;
  private final Supplier<MachineState> state;
  private final Consumer<Boolean> stop;
  private final List<MachineEvent> history = new ArrayList<>();
  private final List<OutputStream> watchers = new ArrayList<>();
  private boolean closed;
  private ServerSocketChannel socket;

  /**
   * @param state what {@code status} answers
   * @param stop what a {@code stop} (true: save if allowed) or {@code shutdown} (false) request
   *     runs; its client then watches until the agent ends
   */
  ControlServer(RuntimeFiles files, Supplier<MachineState> state, Consumer<Boolean> stop) {
    this.files = files;
    this.state = state;
    this.stop = stop;
  }

  /** Writes the pid file, then listens; the runtime directory must exist. */
  void open() throws IOException {
    // the pid first: from here on, an agent that does not answer is known alive, not stale
    AtomicFiles.write(
        files.agentPid(),
        ProcessHandle.current().pid() + "\n",
        PosixFilePermissions.fromString("rw-------"));
    socket = UnixSockets.listenPrivate(files.control(), 0);
    Thread acceptor = new Thread(this::accept, "agent-control");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Sends {@code event} to every watcher, and to every later one. */
  void emit(MachineEvent event) {
    synchronized (history) {
      history.add(event);
      for (OutputStream watcher : List.copyOf(watchers)) {
        try {
          send(watcher, event);
        } catch (IOException e) {
          watchers.remove(watcher);
        }
      }
    }
  }

  /** Every event so far. */
  List<MachineEvent> history() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  /** Ends every conversation and removes the socket and the pid file: the agent is going. */
  @Override
  public void close() {
    synchronized (history) {
      closed = true;
      for (OutputStream watcher : watchers) {
        Quietly.close(watcher);
      }
      watchers.clear();
    }
    Quietly.close(socket);
    for (Path path : List.of(files.control(), files.agentPid())) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", path, e.toString());
      }
    }
  }

  private void accept() {
    while (socket.isOpen()) {
      try {
        SocketChannel client = socket.accept();
        Thread handler = new Thread(() -> serve(client), "agent-client");
        handler.setDaemon(true);
        handler.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(SocketChannel client) {
    try {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(ChannelStreams.input(client), StandardCharsets.UTF_8));
      OutputStream out = ChannelStreams.output(client);
      String operation = AgentProtocol.operation(in.readLine());
      switch (operation) {
        case AgentProtocol.STATUS -> {
          send(out, new MachineEvent.Status(state.get().name(), ProcessHandle.current().pid()));
          client.close();
        }
        case AgentProtocol.WATCH -> {
          synchronized (history) {
            for (MachineEvent event : history) {
              send(out, event);
            }
            if (closed) {
              client.close();
            } else {
              watchers.add(out);
            }
          }
        }
        case AgentProtocol.STOP, AgentProtocol.SHUTDOWN -> {
          synchronized (history) {
            if (closed) {
              client.close();
            } else {
              watchers.add(out);
            }
          }
          stop.accept(operation.equals(AgentProtocol.STOP));
        }
        default -> client.close();
      }
    } catch (IOException e) {
      LOG.debug("control client: {}", e.toString());
    }
  }

  private static void send(OutputStream out, MachineEvent event) throws IOException {
    out.write((AgentProtocol.encode(event) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
