package dev.berth.agent.server;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Virtual time for the agent: {@link #sleep} moves it at once, as does a test's {@link #advance}. A
 * wait ends when a future completes or virtual time passes its deadline; a clock that {@link
 * #jumpsToDeadlines} passes the deadline at once when nothing has completed, for tests in which
 * nothing else would move time.
 */
final class FakeAgentClock implements AgentClock {
  private final boolean jumpsToDeadlines;
  private Instant now = Instant.parse("2026-12-01T00:00:00Z");
  private int waiting;

  private FakeAgentClock(boolean jumpsToDeadlines) {
    this.jumpsToDeadlines = jumpsToDeadlines;
  }

  /** Time moves only by sleeps and {@link #advance}. */
  static FakeAgentClock manual() {
    return new FakeAgentClock(false);
  }

  /** A wait that nothing ends runs out at once. */
  static FakeAgentClock jumpsToDeadlines() {
    return new FakeAgentClock(true);
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public synchronized void sleep(Duration duration) {
    advance(duration);
  }

  synchronized void advance(Duration by) {
    now = now.plus(by);
    notifyAll();
  }

  /** Returns once some thread waits on this clock. */
  synchronized void awaitWaiter() throws InterruptedException {
    while (waiting == 0) {
      wait();
    }
  }

  @Override
  public boolean awaitAny(Instant deadline, CompletableFuture<?>... futures)
      throws InterruptedException {
    CompletableFuture<Object> any = CompletableFuture.anyOf(futures);
    any.whenComplete(
        (value, error) -> {
          synchronized (this) {
            notifyAll();
          }
        });
    synchronized (this) {
      waiting++;
      notifyAll();
      try {
        while (true) {
          if (any.isDone()) {
            return true;
          }
          if (!now.isBefore(deadline)) {
            return false;
          }
          if (jumpsToDeadlines) {
            now = deadline;
            return false;
          }
          wait();
        }
      } finally {
        waiting--;
      }
    }
  }
}
