package dev.berth.net.stack;

/**
 * The time every timer of the stack reads, through its {@link EventLoop}: the system's monotonic
 * clock, or one that a test advances.
 */
@FunctionalInterface
public interface Clock {

  Clock SYSTEM = System::nanoTime;

  /**
   * Nanoseconds from some fixed origin, as {@link System#nanoTime()}: only differences mean
   * anything.
   */
  long nanos();
}
