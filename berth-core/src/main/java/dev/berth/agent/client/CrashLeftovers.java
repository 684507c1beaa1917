package dev.berth.agent.client;

import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import dev.berth.machine.Machines;
import dev.berth.machine.RuntimeFiles;
import dev.berth.os.ProcessTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Clears what a crashed agent left in a machine's runtime directory, its QEMU included. */
final class CrashLeftovers {
  private static final Logger LOG = LoggerFactory.getLogger(CrashLeftovers.class);

  private final ProcessTable processes;

  CrashLeftovers(ProcessTable processes) {
    this.processes = processes;
  }

  /**
   * What a crashed agent leaves: QEMU still running (nothing kills it when its agent is killed),
   * socket and pid files nobody accepts on. QEMU is identified by its pid file and its command
   * line, since pids are reused. Only for a machine whose agent is known not to run, in a runtime
   * directory that {@link Machines#createRuntime} made or checked first: a directory that is the
   * user's stays so, while one found missing could be another user's by the time of the clean-up.
   */
  void cleanUpAfterCrash(String name, RuntimeFiles files, ProgressListener progress) {
    orphanQemu(files)
        .ifPresent(
            pid -> {
              progress.accept(
                  new MachineEvent.Warning(
                      "stopping QEMU (pid " + pid + ") left running by a crashed agent"));
              if (!processes.end(pid, Duration.ofSeconds(10))) {
                throw new BerthException(
                    "cannot stop QEMU (pid " + pid + ") of machine \"" + name + "\"",
                    "kill it with: kill -9 " + pid);
              }
            });
    List<Path> stale = new ArrayList<>(files.leftovers());
    stale.add(files.control());
    stale.add(files.agentPid());
    for (Path path : stale) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", path, e.toString());
      }
    }
  }

  private Optional<Long> orphanQemu(RuntimeFiles files) {
    try {
      if (!Files.exists(files.qemuPid())) {
        return Optional.empty();
      }
      long pid = Long.parseLong(Files.readString(files.qemuPid()).strip());
      return Optional.of(pid)
          .filter(p -> processes.runs(p, args -> writesPidFile(args, files.qemuPid())));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether a command line is the QEMU that writes this machine's pid file: {@code -pidfile PATH}
   * is on every host's QEMU line, unlike {@code -name …,process=}, which only Linux's QEMU takes.
   */
  static boolean writesPidFile(List<String> args, Path pidFile) {
    int at = args.indexOf("-pidfile");
    return at >= 0 && at + 1 < args.size() && args.get(at + 1).equals(pidFile.toString());
  }
}
