package dev.berth.net.stack;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct buffers of one size, reused so that connections do not allocate them (or wait for GC to
 * free them), and a budget of at most {@code maxOutstanding} of them out at once: a guest that
 * makes thousands of connections fill their buffers meets this bound, not the process's memory. A
 * unit of the budget is taken with its buffer ({@link #take}) or ahead of it ({@link #reserve}, for
 * room promised before the bytes come). A taker that finds none free waits (closed window, paused
 * reads) and is woken when one comes back.
 */
final class BufferPool {

  private final int bufferBytes;
  private final int maxPooled;
  private final int maxOutstanding;
  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int outstanding;

  /** Holders giving a unit up for those waiting (closing a window first). */
  private int yielding;

  BufferPool(int bufferBytes, int maxPooled, int maxOutstanding) {
    this.bufferBytes = bufferBytes;
    this.maxPooled = maxPooled;
    this.maxOutstanding = maxOutstanding;
  }

  int bufferBytes() {
    return bufferBytes;
  }

  boolean exhausted() {
    return outstanding >= maxOutstanding;
  }

  /** Someone waits for a unit of the budget. */
  boolean contended() {
    return !waiting.isEmpty();
  }

  /** More wait for a unit than holders are giving one up: one more holder should. */
  boolean wanted() {
    return waiting.size() > yielding;
  }

  /** A holder begins to give its unit up ({@link #yieldEnded} when it did, or stopped). */
  void yieldStarting() {
    yielding++;
  }

  void yieldEnded() {
    yielding--;
  }

  /** A unit of the budget and its cleared buffer, or null when none is left. */
  ByteBuffer take() {
    return reserve() ? allocate() : null;
  }

  /** Gives back a buffer and its unit of the budget. */
  void give(ByteBuffer b) {
    recycle(b);
    release();
  }

  /** A unit of the budget without its buffer yet; false when none is left. */
  boolean reserve() {
    if (exhausted()) {
      return false;
    }
    outstanding++;
    return true;
  }

  /** A cleared buffer for a unit of the budget the caller holds. */
  ByteBuffer allocate() {
    ByteBuffer b = free.poll();
    return b != null ? b.clear() : ByteBuffer.allocateDirect(bufferBytes);
  }

  /** Takes back a buffer whose unit of the budget the caller keeps. */
  void recycle(ByteBuffer b) {
    if (free.size() < maxPooled) {
      free.push(b);
    }
  }

  /** Runs {@code wake} once a unit came back (the caller waits once, however often it asks). */
  void waitForOne(Runnable wake) {
    waiting.add(wake);
  }

  /** Stops waiting ({@code wake} as given to {@link #waitForOne}): the waiter is gone. */
  void cancelWait(Runnable wake) {
    waiting.remove(wake);
  }

  /**
   * Gives back a unit of the budget and wakes the waiting takers in turn while units are free: each
   * takes its unit at once, and those woken in vain wait again.
   */
  void release() {
    outstanding--;
    for (int n = waiting.size(); n > 0 && !exhausted(); n--) {
      waiting.poll().run();
    }
  }
}
