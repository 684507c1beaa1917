package dev.berth.net.testing;

import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.stack.EventLoop;
import dev.berth.net.unix.UnixSockets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A network with one guest, run on the test's thread on virtual time, as Netty's {@code
 * EmbeddedChannel}: the guest's frames go in with {@link #send}, which lets the stack handle them
 * before it returns; the frames it gets come out of {@link #expect} and {@link #poll}; time passes
 * only while those wait for a frame or the test {@link #advance}s it, a tick of the loop at a time.
 * Host sockets stay real (loopback): each tick that waits for a frame also leaves a moment of real
 * time to them and to the threads of a test that write or read them.
 */
public final class EmbeddedNetwork implements AutoCloseable {

  private static final long REAL_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

  /** Loop iterations one {@link #runPending} runs at most while the stack stays busy. */
  private static final int MAX_ITERATIONS = 10_000;

  private static final Framing FRAMING = Framing.QEMU;

  private long nanos;
  private final EventLoop loop;
  private final VirtualNetwork net;
  private final SocketChannel guestEnd;
  private final ByteBuffer in = ByteBuffer.allocate(1 << 20);
  private final ArrayDeque<byte[]> received = new ArrayDeque<>();

  private EmbeddedNetwork(NetworkConfig config) throws IOException {
    this.loop = EventLoop.driven(() -> nanos);
    this.net = VirtualNetwork.start(config, loop);
    SocketChannel[] pair = UnixSockets.pair();
    this.guestEnd = pair[1];
    guestEnd.configureBlocking(false);
    net.attach(pair[0], FRAMING, null);
  }

  public static EmbeddedNetwork start(NetworkConfig config) throws IOException {
    return new EmbeddedNetwork(config);
  }

  /** The network; its methods run on the test's thread too. */
  public VirtualNetwork net() {
    return net;
  }

  /** The virtual time, in nanoseconds: only differences mean anything. */
  public long nanos() {
    return nanos;
  }

  /** Sends a frame from the guest and lets the stack handle it, without letting time pass. */
  public void send(byte[] frame) throws IOException {
    ByteBuffer b = GuestSim.framed(FRAMING, frame);
    while (b.hasRemaining()) {
      if (guestEnd.write(b) == 0) {
        runPending();
      }
    }
    runPending();
  }

  /**
   * Runs what is due without letting time pass: ready sockets, handed-over tasks, frames to the
   * guest.
   */
  public void runPending() throws IOException {
    for (int i = 0; i < MAX_ITERATIONS; i++) {
      boolean busy = loop.runOnce();
      if (!collect() && !busy) {
        return;
      }
    }
  }

  /**
   * Lets {@code d} of virtual time pass, tick by tick, without waiting for host sockets; frames
   * sent meanwhile wait for {@link #expect}.
   */
  public void advance(Duration d) throws IOException {
    long end = nanos + d.toNanos();
    while (end - nanos > 0) {
      tick(end - nanos, false);
    }
  }

  /**
   * The next frame to the guest that matches, skipping others; fails after {@code timeout} of
   * virtual time and as much real time, for a host thread of the test that has yet to run.
   */
  public Frames.Parsed expect(Duration timeout, Predicate<Frames.Parsed> match) throws IOException {
    long realDeadline = System.nanoTime() + timeout.toNanos();
    Frames.Parsed p = poll(timeout, match);
    while (p == null && System.nanoTime() - realDeadline < 0) {
      LockSupport.parkNanos(REAL_WAIT_NANOS);
      p = poll(Duration.ZERO, match);
    }
    if (p == null) {
      throw new AssertionError("no matching frame within " + timeout);
    }
    return p;
  }

  /** The next matching frame, or null when none comes within {@code timeout} of virtual time. */
  public Frames.Parsed poll(Duration timeout, Predicate<Frames.Parsed> match) throws IOException {
    long deadline = nanos + timeout.toNanos();
    runPending();
    while (true) {
      byte[] f;
      while ((f = received.poll()) != null) {
        Frames.Parsed p = Frames.Parsed.of(f);
        if (match.test(p)) {
          return p;
        }
      }
      if (deadline - nanos <= 0) {
        return null;
      }
      tick(deadline - nanos, true);
    }
  }

  /** Forgets the frames the guest got so far. */
  public void drain() throws IOException {
    runPending();
    received.clear();
  }

  /**
   * Moves the clock on by a tick at most ({@code most} nanoseconds), first giving host sockets a
   * moment when {@code wait}.
   */
  private void tick(long most, boolean wait) throws IOException {
    runPending();
    if (wait) {
      LockSupport.parkNanos(REAL_WAIT_NANOS);
    }
    nanos += Math.min(most, EventLoop.TICK.toNanos());
    runPending();
  }

  /** Reads what the stack wrote to the guest; true when there was something. */
  private boolean collect() throws IOException {
    if (guestEnd.read(in) <= 0) {
      return false;
    }
    in.flip();
    GuestSim.takeFrames(in, FRAMING, received::add);
    in.compact();
    return true;
  }

  @Override
  public void close() throws IOException {
    guestEnd.close();
    net.close();
  }
}
