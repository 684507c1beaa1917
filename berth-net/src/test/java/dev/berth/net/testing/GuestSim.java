package dev.berth.net.testing;

import dev.berth.net.config.Framing;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A fake guest on a berth-net unix socket: writes frames built by hand and collects the frames that
 * come back.
 */
public final class GuestSim implements AutoCloseable {

  private final SocketChannel channel;
  private final Framing framing;
  private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile boolean discarding;
  private final java.util.concurrent.atomic.AtomicLong discarded =
      new java.util.concurrent.atomic.AtomicLong();

  public GuestSim(Path socket, Framing framing) throws IOException {
    this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
    this.framing = framing;
    this.reader = new Thread(this::readLoop, "guest-sim-reader");
    reader.setDaemon(true);
    reader.start();
  }

  public void send(byte[] frame) throws IOException {
    sendRaw(framed(framing, frame));
  }

  /** {@code frame} behind its length header, ready to write. */
  static ByteBuffer framed(Framing framing, byte[] frame) {
    ByteBuffer b = ByteBuffer.allocate(framing.headerBytes() + frame.length);
    framing.writeLength(b, 0, frame.length);
    b.position(framing.headerBytes());
    b.put(frame).flip();
    return b;
  }

  /**
   * Hands each complete frame in {@code buf} (ready to read) to {@code to}; a partial one stays in
   * it.
   */
  static void takeFrames(ByteBuffer buf, Framing framing, Consumer<byte[]> to) {
    while (buf.remaining() >= framing.headerBytes()) {
      int len = (int) framing.readLength(buf, buf.position());
      if (buf.remaining() - framing.headerBytes() < len) {
        break;
      }
      byte[] f = new byte[len];
      buf.get(buf.position() + framing.headerBytes(), f);
      buf.position(buf.position() + framing.headerBytes() + len);
      to.accept(f);
    }
  }

  /** Writes bytes as they are, framing included. */
  public synchronized void sendRaw(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /** The next received frame that matches, skipping others; fails after {@code timeout}. */
  public Frames.Parsed expect(Duration timeout, Predicate<Frames.Parsed> match)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      byte[] f = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
      if (f == null) {
        throw new AssertionError("no matching frame within " + timeout);
      }
      Frames.Parsed p = Frames.Parsed.of(f);
      if (match.test(p)) {
        return p;
      }
    }
  }

  /** The next matching frame, or null when none comes within {@code timeout}. */
  public Frames.Parsed poll(Duration timeout, Predicate<Frames.Parsed> match)
      throws InterruptedException {
    try {
      return expect(timeout, match);
    } catch (AssertionError e) {
      return null;
    }
  }

  public void drain() {
    received.clear();
  }

  /** While on, received frames are only counted, not kept. */
  public void discard(boolean on) {
    discarding = on;
  }

  public long discarded() {
    return discarded.get();
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    try {
      while (channel.read(buf) >= 0) {
        buf.flip();
        takeFrames(
            buf,
            framing,
            f -> {
              if (discarding) {
                discarded.incrementAndGet();
              } else {
                received.add(f);
              }
            });
        buf.compact();
      }
    } catch (IOException e) {
      // The test closed the socket.
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
