package dev.berth.os;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The host's processes through {@link ProcessHandle}, which reads them on Linux and macOS alike.
 */
public final class JdkProcessTable implements ProcessTable {
  private static final Duration AFTER_KILL = Duration.ofSeconds(10);

  @Override
  public boolean runs(long pid, Predicate<List<String>> identity) {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .flatMap(JdkProcessTable::arguments)
        .map(identity::test)
        .orElse(false);
  }

  private static Optional<List<String>> arguments(ProcessHandle process) {
    ProcessHandle.Info info = process.info();
    return info.arguments()
        .map(List::of)
        .or(() -> info.commandLine().map(line -> List.of(line.split(" "))));
  }

  @Override
  public boolean awaitExit(long pid, Duration timeout) {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty()) {
      return true;
    }
    try {
      process.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return !process.get().isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.get().isAlive();
    }
  }

  @Override
  public boolean end(long pid, Duration grace) {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty()) {
      return true;
    }
    process.get().destroy();
    if (awaitExit(pid, grace)) {
      return true;
    }
    process.get().destroyForcibly();
    return awaitExit(pid, AFTER_KILL);
  }
}
