package dev.berth.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Writes a file sequentially, leaving holes where whole blocks are zero: a raw or qcow2 disk image
 * is mostly zeros, and a hole costs no disk space.
 *
 * <p>Callers fill {@link #buffer()} from {@link #filled()} on and report how much with {@link
 * #advance}; full buffers are flushed block by block, so block boundaries stay aligned to the file
 * offset whatever the callers' read sizes.
 */
final class SparseWriter implements AutoCloseable {
  static final int BLOCK = 4096;
  private static final byte[] ZEROS = new byte[BLOCK];

  private final RandomAccessFile file;
  private final FileChannel channel;
  private final byte[] buffer;
  private int filled;
  private long position;
  private long allocatedBytes;

  SparseWriter(RandomAccessFile file, int bufferSize) {
    if (bufferSize % BLOCK != 0) {
      throw new IllegalArgumentException("buffer size must be a multiple of " + BLOCK);
    }
    this.file = file;
    this.channel = file.getChannel();
    this.buffer = new byte[bufferSize];
  }

  byte[] buffer() {
    return buffer;
  }

  /** Where callers write next in {@link #buffer()}. */
  int filled() {
    return filled;
  }

  /** Records {@code count} bytes placed at {@link #filled()}; flushes a full buffer. */
  void advance(int count) throws IOException {
    filled += count;
    if (filled == buffer.length) {
      flush();
    }
  }

  /** Bytes written so far, holes included. */
  long length() {
    return position + filled;
  }

  /** Bytes actually written, i.e. not left as holes. */
  long allocatedBytes() {
    return allocatedBytes;
  }

  /** Writes what is buffered, sets the file's length (trailing holes count) and syncs it. */
  void finish() throws IOException {
    flush();
    if (file.length() < position) {
      file.setLength(position);
    }
    channel.force(true);
  }

  private void flush() throws IOException {
    int runStart = -1;
    for (int block = 0; block < filled; block += BLOCK) {
      int end = Math.min(block + BLOCK, filled);
      boolean zero = Arrays.mismatch(buffer, block, end, ZEROS, 0, end - block) < 0;
      if (zero && runStart >= 0) {
        write(runStart, block);
        runStart = -1;
      } else if (!zero && runStart < 0) {
        runStart = block;
      }
    }
    if (runStart >= 0) {
      write(runStart, filled);
    }
    position += filled;
    filled = 0;
  }

  private void write(int from, int to) throws IOException {
    ByteBuffer data = ByteBuffer.wrap(buffer, from, to - from);
    long at = position + from;
    while (data.hasRemaining()) {
      at += channel.write(data, at);
    }
    allocatedBytes += to - from;
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
