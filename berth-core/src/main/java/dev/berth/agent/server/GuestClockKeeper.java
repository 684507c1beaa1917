package dev.berth.agent.server;

import dev.berth.agent.ClockJumpWatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a running guest's clock right: a {@link ClockJumpWatch} checked every second while the
 * machine runs, and the clock set at once when QEMU resumes a paused VM (its RESUME event). Every
 * setting runs on this keeper's own thread: never on QMP's reader, which a slow guest would block.
 */
final class GuestClockKeeper implements AutoCloseable {
  private static final long CHECK_SECONDS = 1;

  private final ClockJumpWatch watch;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread t = new Thread(task, "guest-clock");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean watching;

  GuestClockKeeper(ClockJumpWatch watch) {
    this.watch = watch;
  }

  /** Sets the guest's clock now, on the caller's thread; false if the guest did not take it. */
  boolean setNow() {
    return watch.setNow();
  }

  /** Sets the guest's clock on the keeper's thread; completes with whether the guest took it. */
  CompletableFuture<Boolean> setSoon() {
    return CompletableFuture.supplyAsync(watch::setNow, thread);
  }

  /** From now on, host clock jumps and VM resumes set the guest's clock. */
  void startWatching() {
    watching = true;
    thread.scheduleWithFixedDelay(watch::check, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
  }

  /** QEMU's event {@code type}: a RESUME (a {@code cont} after a {@code stop}) sets the clock. */
  void onQemuEvent(String type) {
    if (watching && type.equals("RESUME")) {
      thread.execute(watch::setNow);
    }
  }

  @Override
  public void close() {
    watching = false;
    thread.shutdownNow();
  }
}
