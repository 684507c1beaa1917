package dev.berth.agent;

import dev.berth.machine.BerthDirs;
import dev.berth.machine.MachineState;
import dev.berth.machine.StateProbe;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A machine runs while its host agent answers on its control socket. A socket file nobody
 * accepts on is stale: it proves nothing and reads as stopped.
 */
public final class AgentSocketProbe implements StateProbe {
  public static final String CONTROL_SOCKET = "agent.sock";

  private final BerthDirs dirs;

  public AgentSocketProbe(BerthDirs dirs) {
    this.dirs = dirs;
  }

  @Override
  public MachineState probe(String name) {
    Path socket = dirs.machineRuntime(name).resolve(CONTROL_SOCKET);
    if (!Files.exists(socket)) {
      return MachineState.STOPPED;
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      return MachineState.RUNNING;
    } catch (IOException e) {
      return MachineState.STOPPED;
    }
  }
}
