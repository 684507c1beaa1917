package dev.berth.net.stack;

import dev.berth.net.unix.UnixSockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over TCP at the gateway's port 53 (RFC 1035 §4.2.2, RFC 7766): every message after a 2-byte
 * big-endian length, several per connection, pipelined. Guest connections reach it through the TCP
 * NAT as any gateway service does, at a unix socket in a private directory. {@link DnsServer}
 * answers the local names; other queries are relayed, unchanged and whole, over one TCP connection
 * to the upstream resolver per guest connection, so answers are never truncated. Runs on the event
 * loop only.
 */
final class DnsTcpService implements EventLoop.Handler {

  private static final Logger LOG = LoggerFactory.getLogger(DnsTcpService.class);

  /** A length prefix and the largest message it can announce. */
  private static final int MAX_FRAMED = 2 + 0xffff;

  /** The PROXY line the TCP NAT writes first is at most 107 bytes. */
  private static final int MAX_PROXY_LINE = 107;

  static final int MAX_CONNECTIONS = 64;

  /** RFC 7766 §6.2.3 asks servers to close idle connections; gvproxy's DNS library waits 8 s. */
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final StackContext context;
  private final DnsServer dns;
  private final Path dir;
  private final Path socket;
  private final ServerSocketChannel server;
  private final List<Connection> connections = new ArrayList<>();

  DnsTcpService(StackContext context, DnsServer dns) throws IOException {
    this.context = context;
    this.dns = dns;
    this.dir = UnixSockets.privateDirectory("berth-dns");
    this.socket = dir.resolve("dns.sock");
    this.server = UnixSockets.listenPrivate(socket, 0);
    context.register(server, SelectionKey.OP_ACCEPT, this);
  }

  UnixDomainSocketAddress address() {
    return UnixDomainSocketAddress.of(socket);
  }

  @Override
  public void onReady(SelectionKey key) throws IOException {
    SocketChannel ch;
    while ((ch = server.accept()) != null) {
      if (connections.size() >= MAX_CONNECTIONS) {
        LOG.debug("DNS over TCP: {} connections already open; closing a new one", MAX_CONNECTIONS);
        ch.close();
        continue;
      }
      Connection c = new Connection(ch);
      connections.add(c);
      c.guestKey = context.register(ch, SelectionKey.OP_READ, c);
    }
  }

  @Override
  public void onFailure(Exception e) {
    LOG.warn("DNS over TCP stopped accepting: {}", e.toString());
  }

  void onTick(long now) {
    for (Connection c : new ArrayList<>(connections)) {
      if (now - c.lastActive > IDLE_NANOS) {
        c.close();
      }
    }
  }

  void close() {
    for (Connection c : new ArrayList<>(connections)) {
      c.close();
    }
    try {
      server.close();
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.warn("closing DNS over TCP at {}: {}", socket, e.toString());
    }
  }

  /**
   * One guest connection and, once a query needs it, its upstream connection. Buffers hold bytes in
   * write mode: from position 0 to the position. A side that cannot take more stops being read.
   */
  private final class Connection implements EventLoop.Handler {
    final SocketChannel guest;
    SelectionKey guestKey;
    final ByteBuffer fromGuest = ByteBuffer.allocate(MAX_PROXY_LINE + MAX_FRAMED);
    final ByteBuffer toGuest = ByteBuffer.allocate(MAX_FRAMED);
    boolean proxyLineRead;

    /** The guest sent everything it will: answer what it asked, then close. */
    boolean guestDone;

    /** Queries relayed upstream and not yet answered. */
    int awaitingUpstream;

    SocketChannel upstream;
    SelectionKey upstreamKey;
    ByteBuffer toUpstream;
    ByteBuffer fromUpstream;
    long lastActive = context.now();

    Connection(SocketChannel guest) {
      this.guest = guest;
    }

    @Override
    public void onReady(SelectionKey key) throws IOException {
      lastActive = context.now();
      if (key == upstreamKey) {
        if (key.isConnectable()) {
          upstream.finishConnect();
        }
        if (key.isReadable() && upstream.read(fromUpstream) < 0) {
          throw new IOException("the upstream resolver closed the connection");
        }
      } else if (key.isReadable() && guest.read(fromGuest) < 0) {
        guestDone = true;
      }
      pump();
    }

    @Override
    public void onFailure(Exception e) {
      LOG.debug("DNS over TCP connection ended: {}", e.toString());
      close();
    }

    /**
     * Moves every whole message that has room to go, writes what can be written, and asks for what
     * fits next.
     */
    private void pump() throws IOException {
      if (!proxyLineRead && !skipProxyLine()) {
        if (guestDone) {
          close();
        }
        return;
      }
      if (fromUpstream != null) {
        while (whole(fromUpstream) && toGuest.remaining() >= framedLength(fromUpstream)) {
          int n = framedLength(fromUpstream);
          toGuest.put(toGuest.position(), fromUpstream, 0, n).position(toGuest.position() + n);
          consume(fromUpstream, n);
          awaitingUpstream--;
        }
      }
      while (whole(fromGuest) && query()) {
        consume(fromGuest, framedLength(fromGuest));
      }
      write(toGuest, guest);
      if (guestDone && awaitingUpstream <= 0 && toGuest.position() == 0) {
        close();
        return;
      }
      if (upstream != null && upstream.isConnected()) {
        write(toUpstream, upstream);
      }
      guestKey.interestOps(
          (fromGuest.hasRemaining() && !guestDone ? SelectionKey.OP_READ : 0)
              | (toGuest.position() > 0 ? SelectionKey.OP_WRITE : 0));
      if (upstream != null && upstream.isConnected()) {
        upstreamKey.interestOps(
            (fromUpstream.hasRemaining() ? SelectionKey.OP_READ : 0)
                | (toUpstream.position() > 0 ? SelectionKey.OP_WRITE : 0));
      }
    }

    /** Drops the PROXY line the TCP NAT starts with; false while it has not all arrived. */
    private boolean skipProxyLine() throws IOException {
      for (int i = 1; i < fromGuest.position(); i++) {
        if (fromGuest.get(i - 1) == '\r' && fromGuest.get(i) == '\n') {
          consume(fromGuest, i + 1);
          proxyLineRead = true;
          return true;
        }
      }
      if (fromGuest.position() > MAX_PROXY_LINE) {
        throw new IOException("no PROXY line from the TCP NAT");
      }
      return false;
    }

    /**
     * Answers or relays the query at the head of {@code fromGuest}; false when there is no room for
     * it yet.
     */
    private boolean query() throws IOException {
      if (toGuest.remaining() < 2 + DnsServer.MAX_LOCAL_REPLY) {
        return false;
      }
      int at = toGuest.position();
      toGuest.position(at + 2);
      int replyLen = dns.answer(fromGuest, 2, framedLength(fromGuest) - 2, toGuest);
      if (replyLen == DnsServer.INVALID) {
        throw new IOException("not a DNS query");
      }
      if (replyLen >= 0) {
        toGuest.putShort(at, (short) replyLen);
        return true;
      }
      toGuest.position(at);
      if (upstream == null) {
        openUpstream();
      }
      int n = framedLength(fromGuest);
      if (toUpstream.remaining() < n) {
        return false;
      }
      toUpstream.put(toUpstream.position(), fromGuest, 0, n).position(toUpstream.position() + n);
      awaitingUpstream++;
      return true;
    }

    private void openUpstream() throws IOException {
      InetSocketAddress target = context.allowed(dns.upstream());
      if (target == null) {
        throw new IOException("no upstream resolver the policy allows");
      }
      toUpstream = ByteBuffer.allocate(MAX_FRAMED);
      fromUpstream = ByteBuffer.allocate(MAX_FRAMED);
      upstream = SocketChannel.open();
      upstreamKey = context.register(upstream, SelectionKey.OP_CONNECT, this);
      if (upstream.connect(target)) {
        upstreamKey.interestOps(0);
      }
    }

    void close() {
      connections.remove(this);
      TcpNat.closeQuietly(guest);
      TcpNat.closeQuietly(upstream);
    }
  }

  private static boolean whole(ByteBuffer b) {
    return b.position() >= 2 && b.position() >= framedLength(b);
  }

  private static int framedLength(ByteBuffer b) {
    return 2 + (b.getShort(0) & 0xffff);
  }

  /** Removes the first {@code n} bytes. */
  private static void consume(ByteBuffer b, int n) {
    b.flip().position(n);
    b.compact();
  }

  private static void write(ByteBuffer b, SocketChannel ch) throws IOException {
    if (b.position() > 0) {
      b.flip();
      ch.write(b);
      b.compact();
    }
  }
}
