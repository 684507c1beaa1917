package dev.berth.net.stack;

import dev.berth.net.config.Framing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One guest attached over a stream socket. Reads as much as the socket has into one buffer and
 * hands every complete frame to the switch in place; frames to the guest are appended to one output
 * buffer that is written once per loop iteration.
 */
public final class StreamLink implements EventLoop.Handler {

  private static final Logger LOG = LoggerFactory.getLogger(StreamLink.class);
  private static final int OUTPUT_BYTES = 4 << 20;

  private final EthernetSwitch ethernet;
  private final SocketChannel channel;
  private final Framing framing;
  private final int header;
  private final int maxFrame;
  private final ByteBuffer in;
  private final ByteBuffer out = ByteBuffer.allocateDirect(OUTPUT_BYTES);

  /** TCP flows that had frames to send while the output buffer was full. */
  final ArrayDeque<TcpFlow> waiting = new ArrayDeque<>();

  private SelectionKey key;

  /** Bytes of an oversized frame still to be discarded. */
  private long skip;

  private boolean closed;
  boolean dirty;

  StreamLink(EthernetSwitch ethernet, SocketChannel channel, Framing framing, int maxFrame) {
    this.ethernet = ethernet;
    this.channel = channel;
    this.framing = framing;
    this.header = framing.headerBytes();
    this.maxFrame = Math.min(maxFrame, framing.maxFrame());
    this.in = ByteBuffer.allocateDirect(Math.max(1 << 20, 2 * (maxFrame + header)));
  }

  void register(EventLoop loop) throws IOException {
    key = loop.register(channel, SelectionKey.OP_READ, this);
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public void onReady(SelectionKey k) throws IOException {
    if (k.isReadable()) {
      readFrames();
    }
    if (!closed && k.isValid() && k.isWritable()) {
      flush();
    }
  }

  @Override
  public void onFailure(Exception e) {
    LOG.warn("guest link failed: {}", e.toString());
    LOG.debug("guest link failure", e);
    close();
  }

  private void readFrames() throws IOException {
    for (int round = 0; round < 16 && !closed; round++) {
      int room = in.remaining();
      int n = channel.read(in);
      if (n < 0) {
        LOG.info("guest link closed by peer");
        close();
        return;
      }
      if (n == 0) {
        return;
      }
      ethernet.stats.bytesFromGuest += n;
      parse();
      if (n < room) {
        return;
      }
    }
  }

  /**
   * Frames that arrived before the link was attached (read with a request that handed the socket
   * over).
   */
  void receive(ByteBuffer first) {
    if (first.remaining() > in.remaining()) {
      LOG.warn(
          "guest link sent {} bytes with its request: more than a buffer, closing it",
          first.remaining());
      close();
      return;
    }
    in.put(first);
    parse();
  }

  private void parse() {
    int end = in.position();
    int pos = 0;
    while (!closed) {
      if (skip > 0) {
        int s = (int) Math.min(skip, end - pos);
        pos += s;
        skip -= s;
        if (skip > 0) {
          break;
        }
      }
      if (end - pos < header) {
        break;
      }
      long len = framing.readLength(in, pos);
      if (len < 0) {
        LOG.warn("guest link sent a negative frame length: closing it");
        close();
        return;
      }
      if (len > maxFrame || len < Packets.ETH_HEADER) {
        ethernet.stats.framesDroppedSize++;
        pos += header;
        skip = len;
        continue;
      }
      if (end - pos - header < len) {
        break;
      }
      ethernet.stats.framesFromGuest++;
      ethernet.onFrame(this, in, pos + header, (int) len);
      // Handlers may move the limit to hand a payload to a channel.
      in.limit(in.capacity());
      pos += header + (int) len;
    }
    in.limit(end).position(pos);
    in.compact();
  }

  /** The buffer frames to the guest are written into. */
  ByteBuffer out() {
    return out;
  }

  /**
   * Room for a frame of {@code frameLength} bytes: the index it starts at, or -1 when the output is
   * full.
   */
  int reserve(int frameLength) {
    if (closed) {
      return -1;
    }
    if (out.remaining() < header + frameLength) {
      flush();
      if (out.remaining() < header + frameLength) {
        return -1;
      }
    }
    return out.position() + header;
  }

  /** Completes the frame written at the index {@link #reserve} returned. */
  void commit(int frameLength) {
    int p = out.position();
    framing.writeLength(out, p, frameLength);
    out.position(p + header + frameLength);
    ethernet.stats.framesToGuest++;
    if (!dirty) {
      dirty = true;
      ethernet.markDirty(this);
    }
  }

  /** Writes what the output holds; true when the output is empty afterwards. */
  boolean flush() {
    dirty = false;
    if (closed) {
      return true;
    }
    if (out.position() > 0) {
      out.flip();
      try {
        ethernet.stats.bytesToGuest += channel.write(out);
      } catch (IOException e) {
        LOG.info("guest link write failed: {}", e.toString());
        out.clear();
        close();
        return true;
      }
      out.compact();
    }
    boolean empty = out.position() == 0;
    int ops = empty ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
    if (key != null && key.isValid() && key.interestOps() != ops) {
      key.interestOps(ops);
    }
    if (!waiting.isEmpty() && out.remaining() > out.capacity() / 2) {
      ethernet.resumeWaiting(this);
    }
    return empty;
  }

  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("closing guest link", e);
    }
    ethernet.onLinkClosed(this);
  }
}
