package dev.berth.image;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Closes a body whose bytes stopped coming: the JDK's HTTP client has no read timeout for a body,
 * so a server that stalls mid-transfer would hang {@code berth init} for good. Closing the body
 * makes the blocked read fail, which ends the download as a resumable cut.
 */
final class StallGuard implements AutoCloseable {
  private final ScheduledExecutorService timer;
  private volatile boolean stalled;
  private long lastCount = -1;
  private long lastChange;

  StallGuard(Duration limit, LongSupplier count, Closeable body) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "image-stall-guard");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(1, limit.toMillis() / 4);
    lastChange = System.nanoTime();
    timer.scheduleAtFixedRate(
        () -> check(limit, count, body), period, period, TimeUnit.MILLISECONDS);
  }

  private void check(Duration limit, LongSupplier count, Closeable body) {
    long now = System.nanoTime();
    long current = count.getAsLong();
    if (current != lastCount) {
      lastCount = current;
      lastChange = now;
    } else if (now - lastChange >= limit.toNanos()) {
      stalled = true;
      timer.shutdown();
      try {
        body.close();
      } catch (IOException | RuntimeException e) {
        // the reader fails either way: the close was only to wake it
      }
    }
  }

  /** Whether the guard closed the body. */
  boolean stalled() {
    return stalled;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
