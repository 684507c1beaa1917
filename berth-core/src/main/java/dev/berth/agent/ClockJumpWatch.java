package dev.berth.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices the host's wall clock jumping against its monotonic clock, which is what the guest sees
 * when the host slept (a laptop lid closed) or the agent and QEMU were suspended: the guest's clock
 * stood still meanwhile, so it is behind by the jump, and NTP would take a long time to catch up.
 * Each {@link #check} compares how far both clocks moved since the last one; a difference beyond
 * the tolerance sets the guest's clock to the host's.
 */
public final class ClockJumpWatch {
  private static final Logger LOG = LoggerFactory.getLogger(ClockJumpWatch.class);

  /** Scheduling delays move both clocks alike; only a jump of more than this is acted on. */
  public static final Duration TOLERANCE = Duration.ofSeconds(1);

  /** Sets the guest's clock; failures are the setter's to report. */
  @FunctionalInterface
  public interface GuestClock {
    void set(Instant now) throws Exception;
  }

  private final Supplier<Instant> wall;
  private final LongSupplier monotonicNanos;
  private final GuestClock guest;
  private Instant lastWall;
  private long lastMonotonic;

  /** {@code wall}: the host's wall clock; {@code monotonicNanos}: e.g. {@link System#nanoTime}. */
  public ClockJumpWatch(Supplier<Instant> wall, LongSupplier monotonicNanos, GuestClock guest) {
    this.wall = wall;
    this.monotonicNanos = monotonicNanos;
    this.guest = guest;
    this.lastWall = wall.get();
    this.lastMonotonic = monotonicNanos.getAsLong();
  }

  /**
   * Compares the clocks since the last check; sets the guest clock when the wall clock moved more
   * than {@link #TOLERANCE} further (or less far) than the monotonic clock. Returns whether it did.
   * The monotonic clock (CLOCK_MONOTONIC on Linux, mach_absolute_time on macOS) stops while the
   * host sleeps, and so does QEMU's guest clock, which runs on it. A VM paused and continued (QMP
   * {@code stop}, {@code cont}) moves no host clock: the agent calls {@link #setNow} on QEMU's
   * {@code RESUME} event for that.
   */
  public synchronized boolean check() {
    Instant nowWall = wall.get();
    long nowMonotonic = monotonicNanos.getAsLong();
    Duration wallMoved = Duration.between(lastWall, nowWall);
    Duration monotonicMoved = Duration.ofNanos(nowMonotonic - lastMonotonic);
    lastWall = nowWall;
    lastMonotonic = nowMonotonic;
    Duration jump = wallMoved.minus(monotonicMoved).abs();
    if (jump.compareTo(TOLERANCE) <= 0) {
      return false;
    }
    LOG.info(
        "the host's clock jumped by {} ms against its monotonic clock; setting the guest's",
        jump.toMillis());
    return setNow();
  }

  /** Sets the guest's clock to the host's now (after a restore, or a QMP {@code cont}). */
  public synchronized boolean setNow() {
    try {
      guest.set(wall.get());
      return true;
    } catch (Exception e) {
      LOG.warn("cannot set the guest's clock: {}", e.toString());
      return false;
    }
  }
}
