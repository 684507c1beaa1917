package dev.berth.cli;

import dev.berth.agent.AgentSocketProbe;
import dev.berth.connection.SystemConnections;
import dev.berth.machine.BerthDirs;
import dev.berth.machine.DiskImages;
import dev.berth.machine.LocalImageImport;
import dev.berth.machine.Machines;
import dev.berth.os.Host;
import dev.berth.os.JdkProcessRunner;
import java.io.BufferedReader;
import java.time.Clock;

/**
 * What commands need from the outside world: the core facade, the host, standard input. Built
 * once per invocation; tests build one over a temporary directory.
 */
public final class CliContext {
  private final Host host;
  private final BufferedReader in;
  private final boolean interactive;
  private Machines machines;

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

  public synchronized Machines machines() {
    if (machines == null) {
      BerthDirs dirs = BerthDirs.from(host);
      DiskImages disks = new DiskImages(new JdkProcessRunner());
      machines =
          new Machines(
              host,
              dirs,
              disks,
              new LocalImageImport(dirs.images(), disks),
              SystemConnections.of(host),
              new AgentSocketProbe(dirs),
              Clock.systemUTC());
    }
    return machines;
  }
}
