package dev.berth.net.stack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ScatteringByteChannel;

/**
 * A fixed-capacity byte queue over one buffer: filled from a channel, read at offsets, consumed
 * from the head.
 */
final class ByteRing {

  private final ByteBuffer buf;
  private final int capacity;
  private final ByteBuffer[] views;
  private int head;
  private int size;

  ByteRing(ByteBuffer buf) {
    this.buf = buf;
    this.capacity = buf.capacity();
    this.views = new ByteBuffer[] {buf.duplicate(), buf.duplicate()};
  }

  ByteBuffer buffer() {
    return buf;
  }

  int size() {
    return size;
  }

  int free() {
    return capacity - size;
  }

  /** One read from {@code ch} into the free space; the count, or -1 at end of stream. */
  int readFrom(ScatteringByteChannel ch) throws IOException {
    if (size == capacity) {
      return 0;
    }
    int tail = (head + size) % capacity;
    ByteBuffer first = views[0];
    ByteBuffer second = views[1];
    long n;
    if (tail >= head) {
      first.limit(capacity).position(tail);
      second.limit(head).position(0);
      n = head == 0 ? ch.read(first) : ch.read(views, 0, 2);
    } else {
      first.limit(head).position(tail);
      n = ch.read(first);
    }
    if (n > 0) {
      size += (int) n;
    }
    return (int) n;
  }

  /** Appends bytes; the caller has checked {@link #free()}. */
  void write(ByteBuffer src, int index, int length) {
    int tail = (head + size) % capacity;
    int first = Math.min(length, capacity - tail);
    buf.put(tail, src, index, first);
    if (length > first) {
      buf.put(0, src, index + first, length - first);
    }
    size += length;
  }

  /**
   * Copies {@code length} bytes starting {@code offset} bytes after the head into {@code dst} at
   * {@code dstIndex}.
   */
  void copyTo(int offset, int length, ByteBuffer dst, int dstIndex) {
    int start = (head + offset) % capacity;
    int first = Math.min(length, capacity - start);
    dst.put(dstIndex, buf, start, first);
    if (length > first) {
      dst.put(dstIndex + first, buf, 0, length - first);
    }
  }

  void consume(int n) {
    size -= n;
    head = size == 0 ? 0 : (head + n) % capacity;
  }
}
