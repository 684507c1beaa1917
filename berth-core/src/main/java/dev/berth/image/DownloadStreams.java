package dev.berth.image;

import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;

/**
 * The streams a {@link Download} wraps around an image's body: failures tagged by side (the source
 * or the cache), the part file replayed and appended to, and the bytes hashed and counted for
 * progress.
 */
final class DownloadStreams {
  private static final long PROGRESS_STEP = 1 << 20;

  private DownloadStreams() {}

  /** A read of the source failed: what was read before is good. */
  static final class SourceFailure extends IOException {
    private static final long serialVersionUID = 1L;

    SourceFailure(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** A write to the cache directory failed. */
  static final class SinkFailure extends IOException {
    private static final long serialVersionUID = 1L;

    SinkFailure(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** {@link InputStream#read()} for streams whose work is in the array read. */
  static int readOneByte(InputStream in) throws IOException {
    byte[] one = new byte[1];
    return in.read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  /** Tags read failures of the source so they are not taken for corrupt data. */
  static final class SourceReads extends FilterInputStream {
    SourceReads(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      return readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        throw new SourceFailure(e);
      }
    }
  }

  /** Reads the first {@code length} bytes of the part file again. */
  static final class Replay extends InputStream {
    private final FileChannel part;
    private final long length;
    private long position;

    Replay(FileChannel part, long length) {
      this.part = part;
      this.length = length;
    }

    @Override
    public int read() throws IOException {
      return readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (position >= length) {
        return -1;
      }
      int n = part.read(ByteBuffer.wrap(b, off, (int) Math.min(len, length - position)), position);
      if (n < 0) {
        throw new IOException("the part file shrank while it was read");
      }
      position += n;
      return n;
    }
  }

  /** Appends what the source delivers to the part file. */
  static final class Tee extends FilterInputStream {
    private final FileChannel part;
    private long position;

    Tee(InputStream in, FileChannel part, long position) {
      super(in);
      this.part = part;
      this.position = position;
    }

    @Override
    public int read() throws IOException {
      return readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        try {
          ByteBuffer data = ByteBuffer.wrap(b, off, n);
          while (data.hasRemaining()) {
            position += part.write(data, position);
          }
        } catch (IOException e) {
          throw new SinkFailure(e);
        }
      }
      return n;
    }
  }

  /** Hashes and counts the source's bytes and reports progress. */
  static final class Counting extends FilterInputStream {
    private final MessageDigest sha;
    private final String task;
    private final long total;
    private final ProgressListener progress;
    private volatile long count;
    private long reported = -1;

    Counting(
        InputStream in, MessageDigest sha, String task, long total, ProgressListener progress) {
      super(in);
      this.sha = sha;
      this.task = task;
      this.total = total;
      this.progress = progress;
    }

    @Override
    public int read() throws IOException {
      return readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        sha.update(b, off, n);
        count += n;
        if (count - reported >= PROGRESS_STEP) {
          reported = count;
          progress.accept(new MachineEvent.Transfer(task, count, total));
        }
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      return Math.max(0, read(new byte[(int) Math.min(n, 8192)]));
    }

    long count() {
      return count;
    }
  }
}
