package dev.berth.testing;

import dev.berth.os.ProcessTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Stands in for the host's processes: pids that run with given arguments, and every {@code end}
 * asked of them, in order. An ended process exits unless {@link #refuseToEnd} names it.
 */
public final class FakeProcessTable implements ProcessTable {
  public final Map<Long, List<String>> running = new ConcurrentHashMap<>();
  public final List<Long> ended = new CopyOnWriteArrayList<>();
  public final List<Long> refuseToEnd = new CopyOnWriteArrayList<>();

  /** Runs inside each {@code end}, before the process exits: to look at the world then. */
  public Runnable onEnd = () -> {};

  @Override
  public boolean runs(long pid, Predicate<List<String>> identity) {
    List<String> arguments = running.get(pid);
    return arguments != null && identity.test(arguments);
  }

  @Override
  public boolean awaitExit(long pid, Duration timeout) {
    return !running.containsKey(pid);
  }

  @Override
  public boolean end(long pid, Duration grace) {
    ended.add(pid);
    onEnd.run();
    if (refuseToEnd.contains(pid)) {
      return false;
    }
    running.remove(pid);
    return true;
  }
}
