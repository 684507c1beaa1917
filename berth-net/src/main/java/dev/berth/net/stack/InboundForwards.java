package dev.berth.net.stack;

import dev.berth.net.log.LogRate;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host listeners whose connections and datagrams are carried to a guest address: the stack side of
 * port forwarding. Runs on the event loop only.
 */
final class InboundForwards {

  private static final Logger LOG = LoggerFactory.getLogger(InboundForwards.class);

  /** UDP sessions at once over all forwards; the least recently used one goes first. */
  static final int MAX_UDP_SESSIONS = 4096;

  private final StackContext context;
  private final Neighbors neighbors;
  private final TcpNat tcp;

  /** UDP sessions by the gateway port the guest answers to. */
  private final Map<Integer, UdpSession> udpSessions = new HashMap<>();

  private final ByteBuffer scratch = ByteBuffer.allocateDirect(65536);

  /** Fewer than MAX_UDP_SESSIONS are ever taken, so a free one is always found. */
  private final EphemeralPorts udpPorts = new EphemeralPorts();

  private final LogRate refusedPeers = new LogRate();

  InboundForwards(StackContext context, Neighbors neighbors, TcpNat tcp) {
    this.context = context;
    this.neighbors = neighbors;
    this.tcp = tcp;
  }

  Closeable tcp(
      ServerSocketChannel listener,
      int guestIp,
      int guestPort,
      Predicate<InetSocketAddress> peerAllowed)
      throws IOException {
    TcpListener l = new TcpListener(listener, guestIp, guestPort, peerAllowed);
    l.key = context.register(listener, SelectionKey.OP_ACCEPT, l);
    return l;
  }

  Closeable udp(
      DatagramChannel listener,
      int guestIp,
      int guestPort,
      Predicate<InetSocketAddress> peerAllowed)
      throws IOException {
    UdpListener l = new UdpListener(listener, guestIp, guestPort, peerAllowed);
    l.key = context.register(listener, SelectionKey.OP_READ, l);
    return l;
  }

  /**
   * A datagram from a guest to the gateway's {@code gatewayPort}; false when no session owns that
   * port.
   */
  boolean onUdpReply(int src, int srcPort, int gatewayPort, ByteBuffer b, int payload, int len) {
    UdpSession s = udpSessions.get(gatewayPort);
    if (s == null || s.owner.guestIp != src || s.owner.guestPort != srcPort) {
      return false;
    }
    s.lastActive = context.now();
    // As the UDP NAT does: the link resets the limit after each frame.
    b.limit(payload + len).position(payload);
    try {
      s.owner.channel.send(b, s.client);
    } catch (IOException e) {
      LOG.debug("UDP reply to {} failed: {}", s.client, e.toString());
    }
    return true;
  }

  void onTick(long now) {
    long idle = context.config().udpIdleTimeout().toNanos();
    udpSessions.values().removeIf(s -> now - s.lastActive > idle && s.forget());
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      LOG.debug("closing forward socket", e);
    }
  }

  /** A host socket whose traffic goes to {@code guestIp:guestPort}. */
  private abstract class Listener<C extends NetworkChannel>
      implements EventLoop.Handler, Closeable {
    final C channel;
    final int guestIp;
    final int guestPort;

    /**
     * Who may use the forward: everyone, or loopback only on a listener bound to the wildcard
     * address.
     */
    final Predicate<InetSocketAddress> peerAllowed;

    SelectionKey key;

    Listener(C channel, int guestIp, int guestPort, Predicate<InetSocketAddress> peerAllowed) {
      this.channel = channel;
      this.guestIp = guestIp;
      this.guestPort = guestPort;
      this.peerAllowed = peerAllowed;
    }

    /**
     * Whether {@code peer} may use the forward; one that may not is counted and logged at a bounded
     * rate.
     */
    boolean allowed(SocketAddress peer) {
      if (!(peer instanceof InetSocketAddress a) || peerAllowed.test(a)) {
        return true; // a unix socket's peer is on this host whatever the filter
      }
      context.stats().forwardPeersRefused++;
      refusedPeers.warn(
          LOG,
          "forward to {}:{}: refused {}, which is not on the host's loopback",
          Packets.ipToString(guestIp),
          guestPort,
          peer);
      return false;
    }

    @Override
    public void onFailure(Exception e) {
      LOG.warn("forward listener {} failed: {}", channel, e.toString());
    }

    @Override
    public void close() {
      key.cancel();
      closeQuietly(channel);
    }
  }

  private final class TcpListener extends Listener<ServerSocketChannel> {
    TcpListener(
        ServerSocketChannel channel,
        int guestIp,
        int guestPort,
        Predicate<InetSocketAddress> peerAllowed) {
      super(channel, guestIp, guestPort, peerAllowed);
    }

    @Override
    public void onReady(SelectionKey k) throws IOException {
      SocketChannel c;
      while ((c = channel.accept()) != null) {
        if (!allowed(c.getRemoteAddress())) {
          closeQuietly(c);
          continue;
        }
        try {
          tcp.connectToGuest(c, guestIp, guestPort, null);
        } catch (IOException e) {
          LOG.info("forward to {}:{}: {}", Packets.ipToString(guestIp), guestPort, e.getMessage());
          closeQuietly(c);
        }
      }
    }
  }

  private final class UdpListener extends Listener<DatagramChannel> {
    final Map<SocketAddress, UdpSession> byClient = new HashMap<>();

    UdpListener(
        DatagramChannel channel,
        int guestIp,
        int guestPort,
        Predicate<InetSocketAddress> peerAllowed) {
      super(channel, guestIp, guestPort, peerAllowed);
    }

    @Override
    public void onReady(SelectionKey k) throws IOException {
      for (int i = 0; i < 64; i++) {
        scratch.clear();
        SocketAddress client = channel.receive(scratch);
        if (client == null) {
          return;
        }
        if (!allowed(client)) {
          continue;
        }
        Neighbors.Neighbor guest = neighbors.neighbor(guestIp);
        if (guest == null) {
          continue;
        }
        UdpSession s = byClient.get(client);
        if (s == null) {
          s = open(client);
        }
        s.lastActive = context.now();
        context.sendUdp(
            guest.link(),
            guest.mac(),
            context.addresses().gatewayIp(),
            s.gatewayPort,
            guestIp,
            guestPort,
            scratch,
            0,
            scratch.position());
      }
    }

    private UdpSession open(SocketAddress client) {
      if (udpSessions.size() >= MAX_UDP_SESSIONS) {
        UdpSession oldest = null;
        for (UdpSession s : udpSessions.values()) {
          if (oldest == null || s.lastActive - oldest.lastActive < 0) {
            oldest = s;
          }
        }
        udpSessions.remove(oldest.gatewayPort);
        oldest.forget();
      }
      int port =
          udpPorts.take(
              p -> udpSessions.containsKey(p) ? EphemeralPorts.Use.BUSY : EphemeralPorts.Use.FREE);
      UdpSession s = new UdpSession(this, client, port);
      udpSessions.put(port, s);
      byClient.put(client, s);
      return s;
    }

    @Override
    public void close() {
      super.close();
      udpSessions.values().removeIf(s -> s.owner == this);
    }
  }

  /**
   * One host client of a UDP forward, and the gateway port its datagrams come from in the guest.
   */
  private static final class UdpSession {
    final UdpListener owner;
    final SocketAddress client;
    final int gatewayPort;
    long lastActive;

    UdpSession(UdpListener owner, SocketAddress client, int gatewayPort) {
      this.owner = owner;
      this.client = client;
      this.gatewayPort = gatewayPort;
    }

    /**
     * Drops the session from its listener's table; true, so that it serves in a removal predicate.
     */
    boolean forget() {
      owner.byClient.remove(client, this);
      return true;
    }
  }
}
