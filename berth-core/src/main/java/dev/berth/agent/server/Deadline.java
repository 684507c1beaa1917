package dev.berth.agent.server;

import dev.berth.BerthException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The one deadline a start's readiness checks share. A wait ends early when QEMU exits or a stop is
 * asked for, so that neither waits out the deadline.
 */
final class Deadline {
  private final AgentClock clock;
  private final Instant end;
  private final Duration total;
  private final QemuProcess qemu;
  private final CompletableFuture<Void> stopRequested;
  private final Function<String, BerthException> startFailed;
  private final String machine;

  /**
   * @param startFailed the failure for a reason, with the hint where the logs are
   */
  Deadline(
      AgentClock clock,
      Duration total,
      QemuProcess qemu,
      CompletableFuture<Void> stopRequested,
      Function<String, BerthException> startFailed,
      String machine) {
    this.clock = clock;
    this.end = clock.now().plus(total);
    this.total = total;
    this.qemu = qemu;
    this.stopRequested = stopRequested;
    this.startFailed = startFailed;
    this.machine = machine;
  }

  /** Whether time is left. */
  boolean open() {
    return clock.now().isBefore(end);
  }

  AgentClock clock() {
    return clock;
  }

  QemuProcess qemu() {
    return qemu;
  }

  BerthException startFailed(String reason) {
    return startFailed.apply(reason);
  }

  /** {@code future}'s value once it completes; {@code what} is the failure if it does not. */
  <T> T await(CompletableFuture<T> future, String what) {
    boolean completed;
    try {
      completed = clock.awaitAny(end, future, qemu.onExit(), stopRequested);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw startFailed("interrupted while waiting: " + what);
    }
    if (!completed) {
      throw startFailed(what + " within " + total.toSeconds() + " s");
    }
    if (future.isCompletedExceptionally() && qemu.isAlive()) {
      Throwable cause = future.handle((value, error) -> error).join();
      if (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof BerthException failure) {
        throw failure;
      }
      throw startFailed(what + ": " + cause.getMessage());
    }
    if (stopRequested.isDone()) {
      throw new BerthException("the start of machine \"" + machine + "\" was cancelled by a stop");
    }
    // a wait that QEMU's exit ended, or a check that failed because QEMU exited: QEMU's exit is
    // the cause to report
    if (!future.isDone() || future.isCompletedExceptionally()) {
      throw startFailed("QEMU exited with status " + qemu.exitValue() + "; " + what);
    }
    return future.join();
  }
}
