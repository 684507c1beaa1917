package dev.berth.agent.client;

import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import dev.berth.agent.AgentProtocol;
import dev.berth.agent.NetworkMode;
import dev.berth.machine.MachineLocks;
import dev.berth.machine.MachineState;
import dev.berth.machine.Machines;
import dev.berth.machine.RuntimeFiles;
import dev.berth.os.Host;
import dev.berth.os.ProcessTable;
import dev.berth.qemu.Accelerator;
import dev.berth.qemu.QemuHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starting and stopping machines from a short-lived command: {@code start} launches the agent and
 * relays its progress until the machine is ready or has failed; {@code stop} asks the agent to
 * stop. Both first clean up what a crash may have left: a stale socket, an orphaned QEMU; but only
 * once the agent is known dead, since an agent that is slow to answer still owns them.
 */
public final class MachineLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(MachineLifecycle.class);
  private static final Duration AGENT_UP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofMinutes(3);

  /** How long an agent asked to exit by a signal may take: its shutdown hook waits 2 minutes. */
  private static final Duration AGENT_EXIT_GRACE = Duration.ofMinutes(2);

  private final Machines machines;
  private final AgentSocketProbe agents;
  private final ProcessTable processes;
  private final AgentLauncher launcher;
  private final Accelerator accelerator;
  private final CrashLeftovers leftovers;

  public MachineLifecycle(
      Machines machines,
      AgentSocketProbe agents,
      ProcessTable processes,
      AgentLauncher launcher,
      Accelerator accelerator) {
    this.machines = machines;
    this.agents = agents;
    this.processes = processes;
    this.launcher = launcher;
    this.accelerator = accelerator;
    this.leftovers = new CrashLeftovers(processes);
  }

  /**
   * How machine {@code name} runs here: with the host's accelerator when it is of the host's
   * architecture, else emulated.
   */
  public Accelerator accelerator(String name) {
    Host host = machines.host();
    return QemuHost.forGuest(host, machines.status(name).config().guestArch(host), accelerator);
  }

  /** The ready timeout of machine {@code name} when none is given: generous under emulation. */
  public Duration defaultReadyTimeout(String name) {
    return accelerator(name).isSoftware() ? Duration.ofMinutes(10) : Duration.ofMinutes(3);
  }

  /**
   * Starts a machine and returns its host API socket once the machine is ready.
   *
   * <p>The machine's lock is held until the agent answers on its control socket, not through the
   * boot: from then on the agent owns the machine, and what others do meets it there (a second
   * {@code start} finds it starting, {@code rm} and {@code set} refuse, {@code stop} asks it to
   * stop, which cancels the boot and ends this start with the agent's message).
   */
  public Path start(
      String name, Duration readyTimeout, NetworkMode network, ProgressListener progress) {
    RuntimeFiles files;
    ProcessHandle process;
    try (MachineLocks.Held lock = machines.locks().machine(name)) {
      machines.status(name);
      files = machines.createRuntime(name);
      Optional<AgentClient.Status> agent = agents.find(name);
      if (agent.isPresent() && agent.get().state() == MachineState.UNRESPONSIVE) {
        throw new BerthException(
            "the agent of machine \""
                + name
                + "\" (pid "
                + agent.get().pid()
                + ") is running but not answering",
            "try again in a moment, or stop the machine with: berth stop "
                + name
                + " (which ends the agent if it still does not answer)");
      }
      if (agent.isPresent()) {
        throw new BerthException(
            "machine \""
                + name
                + "\" is already "
                + agent.get().state().display().toLowerCase(java.util.Locale.ROOT),
            "stop it with: berth stop " + name);
      }
      leftovers.cleanUpAfterCrash(name, files, progress);
      Files.deleteIfExists(files.agentLog());
      progress.accept(new MachineEvent.Step("Starting machine \"" + name + "\""));
      process =
          launcher.launch(
              name,
              List.of(
                  "--timeout", Long.toString(readyTimeout.toSeconds()),
                  "--accelerator", accelerator(name).qemuName(),
                  "--network", network.flagValue()),
              files.agentLog());
      waitForAgent(name, files, process);
    } catch (IOException e) {
      throw cannotStart(name, e);
    }
    try {
      return relayUntilReady(name, files, process, readyTimeout, progress);
    } catch (IOException e) {
      throw cannotStart(name, e);
    }
  }

  /** Relays the agent's progress until the machine is ready (its API socket) or will not be. */
  private Path relayUntilReady(
      String name,
      RuntimeFiles files,
      ProcessHandle process,
      Duration readyTimeout,
      ProgressListener progress)
      throws IOException {
    MachineEvent[] end = new MachineEvent[1];
    AgentClient.converse(
        files,
        AgentProtocol.WATCH,
        event -> {
          if (event.endsStart()) {
            end[0] = event;
            return false;
          }
          progress.accept(event);
          return true;
        },
        readyTimeout.plus(Duration.ofMinutes(4)));
    if (end[0] instanceof MachineEvent.Ready) {
      return files.api();
    }
    waitForExit(process, Duration.ofMinutes(3));
    if (end[0] instanceof MachineEvent.Failed failed) {
      throw new StartFailedException(failed.message(), failed.hint(), failed.console());
    }
    throw new BerthException(
        "the agent of machine \"" + name + "\" exited before the machine was ready",
        "see its log: " + files.agentLog() + "\n" + tail(files.agentLog(), 20));
  }

  private BerthException cannotStart(String name, IOException e) {
    return new BerthException(
        "cannot start machine \"" + name + "\": " + e.getMessage(),
        "see the agent's log: " + machines.runtime(name).agentLog(),
        e);
  }

  private void waitForAgent(String name, RuntimeFiles files, ProcessHandle process) {
    long deadline = System.nanoTime() + AGENT_UP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (AgentClient.status(files, Duration.ofSeconds(5)).isPresent()) {
        return;
      }
      if (!process.isAlive()) {
        throw new BerthException(
            "the agent of machine \"" + name + "\" exited at once",
            "see its log: " + files.agentLog() + "\n" + tail(files.agentLog(), 20));
      }
      pause(50);
    }
    process.destroyForcibly();
    throw new BerthException(
        "the agent of machine \""
            + name
            + "\" did not answer within "
            + AGENT_UP_TIMEOUT.toSeconds()
            + " s",
        "see its log: " + files.agentLog());
  }

  /**
   * Stops a machine; returns false if it was not running. A machine whose agent is gone may still
   * have an orphaned QEMU: that is stopped too.
   *
   * <p>An agent that does not answer, or answers but does not stop, is asked to exit by a signal
   * (its shutdown hook powers the guest off as a stop would) and killed if it still runs after
   * {@link #AGENT_EXIT_GRACE}: as {@code podman machine stop} kills a QEMU that ignores the power
   * button, {@code stop} ends with the machine stopped, or fails saying which process is left.
   * Returns or throws; never leaves an agent running with its files removed.
   */
  public boolean stop(String name, ProgressListener progress) {
    return stop(name, true, progress);
  }

  /**
   * {@link #stop}, saving the machine's state for the next start when {@code save} and its setting
   * allow (the agent says whether it saved, and why not), else a full shutdown.
   */
  public boolean stop(String name, boolean save, ProgressListener progress) {
    machines.status(name);
    return stopWhatRuns(name, save, progress);
  }

  /**
   * Stops what runs of a machine, its agent or a QEMU a crashed agent left, as {@link #stop} does,
   * without reading its description: for {@code rm} and {@code reset}, which remove machines whose
   * description may be unreadable. Returns false if no agent ran.
   */
  public boolean stopWhatRuns(String name, ProgressListener progress) {
    // what is removed next has no use for a saved state
    return stopWhatRuns(name, false, progress);
  }

  private boolean stopWhatRuns(String name, boolean save, ProgressListener progress) {
    try (MachineLocks.Held lock = machines.locks().machine(name)) {
      RuntimeFiles files = machines.createRuntime(name);
      Optional<AgentClient.Status> agent = agents.find(name);
      if (agent.isEmpty()) {
        leftovers.cleanUpAfterCrash(name, files, progress);
        return false;
      }
      progress.accept(new MachineEvent.Step("Stopping machine \"" + name + "\""));
      if (agent.get().state() != MachineState.UNRESPONSIVE) {
        try {
          AgentClient.converse(
              files,
              save ? AgentProtocol.STOP : AgentProtocol.SHUTDOWN,
              event -> {
                // how the stop goes (saving, or why not): the rest is the start's
                if (event instanceof MachineEvent.Step || event instanceof MachineEvent.Warning) {
                  progress.accept(event);
                }
                return true;
              },
              STOP_TIMEOUT);
        } catch (IOException e) {
          LOG.warn("stopping through the agent failed: {}", e.getMessage());
        }
        processes.awaitExit(agent.get().pid(), Duration.ofSeconds(30));
        agent = agents.find(name);
      }
      if (agent.isPresent()) {
        endAgent(name, files, agent.get(), progress);
      }
      leftovers.cleanUpAfterCrash(name, files, progress);
      return true;
    }
  }

  /** Ends the agent by a signal, once its pid is known to be that machine's agent. */
  private void endAgent(
      String name, RuntimeFiles files, AgentClient.Status agent, ProgressListener progress) {
    long pid = agent.pid();
    if (!agents.isAgent(name, pid)) {
      throw new BerthException(
          "the process answering on "
              + files.control()
              + " (pid "
              + pid
              + ") is not the agent"
              + " of machine \""
              + name
              + "\": "
              + files.agentPid()
              + " names another pid, or"
              + " that pid now runs another program; nothing was signalled",
          "end the process that listens on " + files.control() + ", then run: berth stop " + name);
    }
    progress.accept(
        new MachineEvent.Warning(
            "the agent of machine \""
                + name
                + "\" (pid "
                + pid
                + ") "
                + (agent.state() == MachineState.UNRESPONSIVE ? "is not answering" : "did not stop")
                + "; ending it"));
    if (!processes.end(pid, AGENT_EXIT_GRACE)) {
      throw new BerthException(
          "cannot end the agent of machine \"" + name + "\" (pid " + pid + ")",
          "kill it with: kill -9 " + pid + ", then run: berth stop " + name);
    }
  }

  private static void waitForExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.debug("process {} still running: {}", process.pid(), e.toString());
    }
  }

  private static String tail(Path file, int lines) {
    try {
      return String.join("\n", RuntimeFiles.lastLines(file, lines));
    } catch (IOException e) {
      return "";
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
