package dev.berth.agent.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The agent's time: what it is now, pauses between attempts, and waits bounded by a deadline. */
public interface AgentClock {
  Instant now();

  /** Pauses a retry loop; an interrupt ends the pause early and stays set. */
  void sleep(Duration duration);

  /**
   * Waits until one of {@code futures} completes, normally or not, or {@code deadline} passes;
   * returns whether one completed.
   */
  boolean awaitAny(Instant deadline, CompletableFuture<?>... futures) throws InterruptedException;

  /** The real clock: {@code clock}'s time, threads that sleep and futures waited on. */
  static AgentClock system(Clock clock) {
    return new AgentClock() {
      @Override
      public Instant now() {
        return clock.instant();
      }

      @Override
      public void sleep(Duration duration) {
        try {
          Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public boolean awaitAny(Instant deadline, CompletableFuture<?>... futures)
          throws InterruptedException {
        long millis = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
        try {
          CompletableFuture.anyOf(futures).get(millis, TimeUnit.MILLISECONDS);
          return true;
        } catch (ExecutionException e) {
          return true;
        } catch (TimeoutException e) {
          return false;
        }
      }
    };
  }
}
