package dev.berth.net.stack;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct buffers of one size, reused so that connections do not allocate them (or wait for GC to
 * free them), and at most {@code maxOutstanding} of them out at once: a guest that makes thousands
 * of connections fill their buffers meets this bound, not the process's memory. A taker that finds
 * none free waits (closed window, paused reads) and is told by {@code onFreed} when one comes back.
 */
final class BufferPool {

  private final int bufferBytes;
  private final int maxPooled;
  private final int maxOutstanding;
  private final Runnable onFreed;
  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
  private int outstanding;

  BufferPool(int bufferBytes, int maxPooled, int maxOutstanding, Runnable onFreed) {
    this.bufferBytes = bufferBytes;
    this.maxPooled = maxPooled;
    this.maxOutstanding = maxOutstanding;
    this.onFreed = onFreed;
  }

  int bufferBytes() {
    return bufferBytes;
  }

  boolean exhausted() {
    return outstanding >= maxOutstanding;
  }

  /** A cleared buffer, or null when {@code maxOutstanding} are out. */
  ByteBuffer take() {
    if (exhausted()) {
      return null;
    }
    outstanding++;
    ByteBuffer b = free.poll();
    return b != null ? b.clear() : ByteBuffer.allocateDirect(bufferBytes);
  }

  /** Takes a buffer back and tells {@code onFreed}, which wakes one waiting taker if any. */
  void give(ByteBuffer b) {
    outstanding--;
    if (free.size() < maxPooled) {
      free.push(b);
    }
    onFreed.run();
  }
}
