package dev.berth.net.stack;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host socket of one guest connection and the buffers between it and the {@link TcpConnection}.
 * Bytes from the guest go to the socket when it takes them and wait in a bounded buffer when it
 * does not; bytes from the host are read only while the ring has room. Each direction's buffers
 * come from that direction's {@link BufferPool}, and go back as soon as they are empty. The room
 * offered to the guest is reserved from the budget before it is offered: bytes the guest sends
 * within its window always find a buffer. (Dropped, they cost it a retransmission timeout, doubled
 * at every drop, which soon stalls it for a minute.)
 */
final class HostSocketPump implements EventLoop.Handler, TcpHostEnd {

  private static final Logger LOG = LoggerFactory.getLogger(HostSocketPump.class);

  /** The NAT's part: the loop the socket is registered with. */
  interface Owner {
    SelectionKey register(SocketChannel channel, int ops, EventLoop.Handler handler)
        throws IOException;
  }

  private final Owner owner;
  private final BufferPool toHostBuffers;
  private final BufferPool toGuestBuffers;
  private final SocketChannel host;
  private TcpConnection connection;
  private SelectionKey hostKey;
  private boolean connecting;
  private boolean closed;
  private boolean reading;

  /**
   * Bytes written to the host socket before any from the guest (a gateway service's PROXY line).
   */
  private final byte[] preamble;

  // Guest to host: the unit of the budget, and the buffer while it holds bytes.
  private boolean reserved;
  private ByteBuffer toHost;
  private boolean guestFin;
  private boolean outputShut;

  // Host to guest.
  private ByteRing ring;
  private boolean hostEof;

  private boolean waitingForRoom;
  private boolean waitingForRing;
  private final Runnable roomWaiter = this::onRoomFreed;
  private final Runnable ringWaiter = this::onRingBufferFreed;

  /** Giving the reserved room up to a connection waiting for some. */
  private boolean yielding;

  HostSocketPump(
      Owner owner,
      BufferPool toHostBuffers,
      BufferPool toGuestBuffers,
      SocketChannel host,
      byte[] preamble) {
    this.owner = owner;
    this.toHostBuffers = toHostBuffers;
    this.toGuestBuffers = toGuestBuffers;
    this.host = host;
    this.preamble = preamble;
  }

  void attach(TcpConnection c) {
    this.connection = c;
  }

  /** Dials {@code target} for a connection the guest opened; the connection hears how it went. */
  void connect(SocketAddress target) {
    connecting = true;
    try {
      // A loopback connect is usually complete when connect returns: finishing it now saves a loop
      // turn.
      if (host.connect(target) || host.finishConnect()) {
        connected();
      } else {
        hostKey = owner.register(host, SelectionKey.OP_CONNECT, this);
      }
    } catch (IOException e) {
      connection.onHostRefused(e);
    }
  }

  private void connected() throws IOException {
    connecting = false;
    if (hostKey == null) {
      hostKey = owner.register(host, 0, this);
    } else {
      hostKey.interestOps(0);
    }
    connection.onHostConnected();
  }

  /**
   * Takes an already connected socket (an inbound forward) with {@code initialToGuest} to go first;
   * false when no buffer can be had for those bytes.
   */
  boolean adopt(ByteBuffer initialToGuest) throws IOException {
    hostKey = owner.register(host, 0, this);
    if (initialToGuest != null && initialToGuest.hasRemaining()) {
      ByteBuffer buffer = toGuestBuffers.take();
      if (buffer == null) {
        return false;
      }
      ring = new ByteRing(buffer);
      ring.write(
          initialToGuest,
          initialToGuest.position(),
          Math.min(initialToGuest.remaining(), ring.free()));
    }
    return true;
  }

  @Override
  public boolean prepared() {
    if (preamble == null) {
      return true;
    }
    // A line of a few dozen bytes into a socket just connected, whose send buffer is empty: it goes
    // at once, and needs no room from the budget (which may all be reserved).
    ByteBuffer line = ByteBuffer.wrap(preamble);
    try {
      host.write(line);
    } catch (IOException e) {
      LOG.debug("{}: host write failed: {}", connection.key, e.toString());
      return false;
    }
    return !line.hasRemaining();
  }

  @Override
  public void onReady(SelectionKey k) throws IOException {
    if (connecting) {
      if (k.isConnectable()) {
        try {
          if (!host.finishConnect()) {
            return;
          }
        } catch (IOException e) {
          connection.onHostRefused(e);
          return;
        }
        connected();
      }
      return;
    }
    if (k.isReadable()) {
      read();
    }
    if (reading && k.isValid() && k.isWritable()) {
      write();
    }
  }

  @Override
  public void onFailure(Exception e) {
    LOG.debug("{}: failed: {}", connection.key, e.toString());
    connection.abort(true);
  }

  @Override
  public int bufferBytes() {
    return toHostBuffers.bufferBytes();
  }

  @Override
  public int free() {
    if (!reserved) {
      return 0;
    }
    return toHostBuffers.bufferBytes() - (toHost == null ? 0 : toHost.position());
  }

  @Override
  public int offer() {
    if (!reserved && !guestFin && !toHostBuffers.contended()) {
      reserved = toHostBuffers.reserve();
    }
    return free();
  }

  @Override
  public void wantRoom() {
    offer();
    if (!reserved && !guestFin && !waitingForRoom) {
      waitingForRoom = true;
      toHostBuffers.waitForOne(roomWaiter);
    }
  }

  /** A unit of the budget came back: it is reserved at once and offered to the guest. */
  private void onRoomFreed() {
    waitingForRoom = false;
    if (closed || guestFin || connection.isClosed()) {
      return;
    }
    reserved = reserved || toHostBuffers.reserve();
    connection.onRoom();
  }

  @Override
  public boolean roomWanted() {
    return reserved && toHost == null && !yielding && toHostBuffers.wanted();
  }

  @Override
  public void keepRoom() {
    endYield();
  }

  @Override
  public void closeRoom() {
    if (reserved && !yielding) {
      yielding = true;
      toHostBuffers.yieldStarting();
    }
  }

  @Override
  public boolean yieldRoom() {
    if (toHost != null) {
      return false;
    }
    endYield();
    if (reserved) {
      reserved = false;
      toHostBuffers.release();
    }
    return true;
  }

  private void cancelRoomWait() {
    if (waitingForRoom) {
      waitingForRoom = false;
      toHostBuffers.cancelWait(roomWaiter);
    }
  }

  private void endYield() {
    if (yielding) {
      yielding = false;
      toHostBuffers.yieldEnded();
    }
  }

  /**
   * Queues guest bytes for the host; they are written once per loop iteration, not once per
   * segment.
   */
  @Override
  public void deliver(ByteBuffer b, int index, int n) {
    if (toHost == null) {
      toHost = toHostBuffers.allocate();
    }
    toHost.put(toHost.position(), b, index, n);
    toHost.position(toHost.position() + n);
  }

  /** A buffer for the host's bytes came back: the reads resume with it at once. */
  private void onRingBufferFreed() {
    waitingForRing = false;
    if (closed || connection.isClosed()) {
      return;
    }
    if (ring == null) {
      ByteBuffer buffer = toGuestBuffers.take();
      if (buffer != null) {
        ring = new ByteRing(buffer);
      }
    }
    updateInterest();
  }

  @Override
  public void flush() {
    if (toHost != null && toHost.position() > 0) {
      write();
    }
  }

  private void write() {
    try {
      toHost.flip();
      host.write(toHost);
      toHost.compact();
    } catch (IOException e) {
      LOG.debug("{}: host write failed: {}", connection.key, e.toString());
      connection.abort(true);
      return;
    }
    if (toHost.position() == 0) {
      toHostBuffers.recycle(toHost);
      toHost = null;
      if (guestFin) {
        releaseRoom();
        shutdownOutput();
      }
    }
    updateInterest();
    connection.onHostWrote();
  }

  @Override
  public void endInput() {
    guestFin = true;
    cancelRoomWait();
    if (toHost == null) {
      releaseRoom();
      shutdownOutput();
    }
  }

  /** Gives back the buffer of the guest's bytes, if any, and the room reserved for them. */
  private void releaseRoom() {
    endYield();
    if (toHost != null) {
      toHostBuffers.recycle(toHost);
      toHost = null;
    }
    if (reserved) {
      reserved = false;
      toHostBuffers.release();
    }
  }

  @Override
  public boolean inputEnded() {
    return outputShut;
  }

  private void shutdownOutput() {
    if (outputShut) {
      return;
    }
    outputShut = true;
    try {
      host.shutdownOutput();
    } catch (IOException e) {
      LOG.debug("{}: host shutdown failed: {}", connection.key, e.toString());
    }
  }

  private void read() {
    if (ring == null) {
      ByteBuffer buffer = toGuestBuffers.take();
      if (buffer == null) {
        if (!waitingForRing) {
          waitingForRing = true;
          toGuestBuffers.waitForOne(ringWaiter);
        }
        updateInterest();
        return;
      }
      ring = new ByteRing(buffer);
    }
    try {
      while (ring.free() > 0) {
        int n = ring.readFrom(host);
        if (n < 0) {
          hostEof = true;
          break;
        }
        if (n == 0) {
          break;
        }
      }
    } catch (IOException e) {
      LOG.debug("{}: host read failed: {}", connection.key, e.toString());
      connection.abort(true);
      return;
    }
    releaseRingIfEmpty();
    updateInterest();
    connection.onHostRead();
  }

  @Override
  public ByteRing toGuest() {
    return ring;
  }

  @Override
  public void acknowledged(int n) {
    if (ring != null && n > 0) {
      ring.consume(n);
    }
    releaseRingIfEmpty();
    updateInterest();
  }

  /** An idle connection holds no buffer: thousands of them cost little memory. */
  private void releaseRingIfEmpty() {
    if (ring != null && ring.size() == 0) {
      ByteBuffer empty = ring.buffer();
      ring = null;
      toGuestBuffers.give(empty);
    }
  }

  @Override
  public boolean finished() {
    return hostEof;
  }

  @Override
  public void established() {
    reading = true;
    updateInterest();
  }

  private void updateInterest() {
    if (hostKey == null || !hostKey.isValid() || !reading) {
      return;
    }
    int ops = hostKey.interestOps() & SelectionKey.OP_READ;
    // Hysteresis: stop reading when the ring is full, resume when a quarter is free, so that every
    // acknowledgement does not toggle the registration.
    if (hostEof || (ring != null && ring.free() == 0) || (ring == null && waitingForRing)) {
      ops = 0;
    } else if (ring == null || ring.free() >= toGuestBuffers.bufferBytes() / 4) {
      ops = SelectionKey.OP_READ;
    }
    if (toHost != null) {
      ops |= SelectionKey.OP_WRITE;
    }
    if (hostKey.interestOps() != ops) {
      hostKey.interestOps(ops);
    }
  }

  @Override
  public void close(boolean reset) {
    closed = true;
    reading = false;
    if (reset && host.isOpen()) {
      try {
        host.setOption(StandardSocketOptions.SO_LINGER, 0);
      } catch (IOException e) {
        LOG.debug("{}: cannot set linger: {}", connection.key, e.toString());
      }
    }
    if (hostKey != null) {
      hostKey.cancel();
    }
    TcpNat.closeQuietly(host);
    releaseRoom();
    cancelRoomWait();
    if (waitingForRing) {
      waitingForRing = false;
      toGuestBuffers.cancelWait(ringWaiter);
    }
    if (ring != null) {
      ByteBuffer held = ring.buffer();
      ring = null;
      toGuestBuffers.give(held);
    }
  }
}
