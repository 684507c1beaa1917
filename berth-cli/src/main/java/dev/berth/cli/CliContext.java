package dev.berth.cli;

import dev.berth.agent.client.AgentSocketProbe;
import dev.berth.agent.client.MachineAccess;
import dev.berth.agent.client.MachineLifecycle;
import dev.berth.connection.SystemConnections;
import dev.berth.image.Architecture;
import dev.berth.image.ImageCache;
import dev.berth.machine.BerthDirs;
import dev.berth.machine.CachedBaseImages;
import dev.berth.machine.MachineImages;
import dev.berth.machine.Machines;
import dev.berth.machine.PrivateDirectories;
import dev.berth.os.Host;
import dev.berth.os.JdkProcessRunner;
import dev.berth.os.JdkProcessTable;
import dev.berth.os.ProcessTable;
import dev.berth.qemu.DiskImages;
import dev.berth.qemu.QemuHost;
import java.io.BufferedReader;
import java.time.Clock;

/**
 * What commands need from the outside world: the core facade, the host, standard input. Built once
 * per invocation; tests build one over a temporary directory.
 */
public final class CliContext {
  private final Host host;
  private final BufferedReader in;
  private final boolean interactive;
  private Machines machines;
  private MachineLifecycle lifecycle;
  private ImageCache imageCache;
  private final ProcessTable processes = new JdkProcessTable();
  private AgentSocketProbe agents;

  public CliContext(Host host, BufferedReader in, boolean interactive) {
    this.host = host;
    this.in = in;
    this.interactive = interactive;
  }

  public Host host() {
    return host;
  }

  public BufferedReader in() {
    return in;
  }

  /** Whether output goes to a terminal a person watches (progress bars, prompts). */
  public boolean interactive() {
    return interactive;
  }

  /** Starting and stopping, with the accelerator this host offers. */
  public synchronized MachineLifecycle lifecycle() {
    if (lifecycle == null) {
      lifecycle =
          new MachineLifecycle(
              machines(),
              agents(),
              processes,
              new JvmAgentLauncher(host.detachCommand()),
              QemuHost.accelerator(host, host.cpuArch()));
    }
    return lifecycle;
  }

  /** Reaching into a running machine: its published ports, an SSH session. */
  public MachineAccess access() {
    return new MachineAccess(machines());
  }

  private synchronized ImageCache imageCache() {
    if (imageCache == null) {
      imageCache =
          new ImageCache(BerthDirs.from(host).images(), Architecture.fromOsArch(host.cpuArch()));
    }
    return imageCache;
  }

  /** The image cache, minding which images machines use. */
  public MachineImages images() {
    return new MachineImages(machines(), imageCache());
  }

  private synchronized AgentSocketProbe agents() {
    if (agents == null) {
      agents =
          new AgentSocketProbe(BerthDirs.from(host), processes, AgentSocketProbe.ANSWER_TIMEOUT);
    }
    return agents;
  }

  public synchronized Machines machines() {
    if (machines == null) {
      BerthDirs dirs = BerthDirs.from(host);
      DiskImages disks = new DiskImages(new JdkProcessRunner());
      machines =
          new Machines(
              host,
              dirs,
              disks,
              new CachedBaseImages(imageCache()),
              SystemConnections.of(host),
              agents(),
              Clock.systemUTC(),
              PrivateDirectories.POSIX);
    }
    return machines;
  }
}
