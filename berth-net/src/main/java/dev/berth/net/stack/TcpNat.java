package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_HEADER;
import static dev.berth.net.stack.Packets.TCP_RST;
import static dev.berth.net.stack.Packets.TCP_SYN;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.log.LogRate;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP NAT: every guest connection is terminated here and re-originated as a host socket. The host
 * is dialled first; the guest gets its SYN-ACK once the host accepted, or a RST when it refused.
 */
final class TcpNat implements HostSocketPump.Owner {

  private static final Logger LOG = LoggerFactory.getLogger(TcpNat.class);

  /**
   * Connections not yet established (host connect in progress, or SYN-ACK sent) at once; further
   * SYNs are dropped and the guest retries them. Bounds what a SYN flood from a guest can hold.
   */
  static final int MAX_HALF_OPEN = 512;

  private final StackContext context;
  private final Addressing net;
  private final Neighbors neighbors;

  /** The host service behind a gateway port, null when none. */
  private final IntFunction<SocketAddress> services;

  /**
   * Buffers for the guest's bytes on their way to the host, and for the host's on their way to the
   * guest: half the budget each, so that one direction's full buffers never starve the other. With
   * one shared budget, an echo through many connections deadlocks: the guest's bytes hold every
   * buffer, waiting for a host that reads only once its echo is read, which needs a buffer.
   */
  private final BufferPool toHostBuffers;

  private final BufferPool toGuestBuffers;
  private final Map<FlowKey, TcpFlow> flows = new HashMap<>();
  private final FlowKey probe = new FlowKey();
  private final ArrayDeque<TcpFlow> scheduled = new ArrayDeque<>();
  private final List<TcpFlow> tickScratch = new ArrayList<>();
  int halfOpen;

  /**
   * Flows the guest opened that hold a host socket (not in TIME-WAIT): what {@code tcpMaxFlows}
   * bounds.
   */
  int guestFlows;

  private final EphemeralPorts ephemeralPorts = new EphemeralPorts();
  private final LogRate refusedAtLimit = new LogRate();

  TcpNat(StackContext context, Neighbors neighbors, IntFunction<SocketAddress> services) {
    this.context = context;
    this.net = context.addresses();
    this.neighbors = neighbors;
    this.services = services;
    NetworkConfig config = context.config();
    int eachWay =
        (int) Math.min(Integer.MAX_VALUE, config.tcpBufferBudget() / config.tcpBufferBytes() / 2);
    this.toHostBuffers = new BufferPool(config.tcpBufferBytes(), 32, eachWay);
    this.toGuestBuffers = new BufferPool(config.tcpBufferBytes(), 32, eachWay);
  }

  @Override
  public SelectionKey register(SocketChannel channel, int ops, EventLoop.Handler handler)
      throws IOException {
    return context.register(channel, ops, handler);
  }

  int flowCount() {
    return flows.size();
  }

  void onSegment(StreamLink link, long srcMac, int src, int dst, ByteBuffer b, int t, int len) {
    if (len < TCP_HEADER) {
      context.stats().framesDroppedInvalid++;
      return;
    }
    int dataOffset = ((b.get(t + 12) >> 4) & 0xf) * 4;
    if (dataOffset < TCP_HEADER
        || dataOffset > len
        || !Checksum.verifies(
            Checksum.add(b, t, len, Checksum.pseudoHeader(src, dst, Packets.PROTO_TCP, len)))) {
      context.stats().framesDroppedInvalid++;
      return;
    }
    int srcPort = b.getShort(t) & 0xffff;
    int dstPort = b.getShort(t + 2) & 0xffff;
    int flags = b.get(t + 13) & 0x3f;
    TcpFlow flow = flows.get(probe.set(src, srcPort, dst, dstPort));
    if (flow != null && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && flow.connection.isFinished()) {
      // A new connection reusing the ports of one in TIME-WAIT.
      flow.connection.discard();
      flow = null;
    }
    if (flow != null) {
      flow.connection.onSegment(b, t, len, dataOffset, flags);
      return;
    }
    if ((flags & TCP_RST) != 0) {
      return;
    }
    int seq = b.getInt(t + 4);
    if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
      open(link, srcMac, src, srcPort, dst, dstPort, seq, b, t, dataOffset);
    } else {
      write(
          link,
          srcMac,
          TcpResets.forStray(src, srcPort, dst, dstPort, b, t, len - dataOffset, flags));
    }
  }

  private void open(
      StreamLink link,
      long mac,
      int src,
      int srcPort,
      int dst,
      int dstPort,
      int seq,
      ByteBuffer b,
      int t,
      int dataOffset) {
    int[] options = TcpSegment.readSynOptions(b, t, dataOffset);
    SocketAddress target = targetFor(dst, dstPort);
    if (target == null) {
      write(link, mac, TcpResets.forRefusedSyn(src, srcPort, dst, dstPort, seq));
      return;
    }
    if (halfOpen >= MAX_HALF_OPEN) {
      return;
    }
    // Each connection holds a host socket: a guest cannot take every descriptor of the process.
    // Forwards from the host and connections in TIME-WAIT (their socket closed) are not counted.
    if (guestFlows >= context.config().tcpMaxFlows()) {
      refusedAtLimit.warn(
          LOG,
          "{} TCP connections open, the most a guest may hold: refusing more",
          context.config().tcpMaxFlows());
      write(link, mac, TcpResets.forRefusedSyn(src, srcPort, dst, dstPort, seq));
      return;
    }
    SocketChannel ch = null;
    try {
      ch =
          target instanceof UnixDomainSocketAddress
              ? SocketChannel.open(StandardProtocolFamily.UNIX)
              : SocketChannel.open();
      ch.configureBlocking(false);
      if (target instanceof InetSocketAddress) {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      }
      byte[] preamble =
          target instanceof UnixDomainSocketAddress ? proxyLine(src, srcPort, dst, dstPort) : null;
      TcpFlow flow = newFlow(probe.copy(), link, mac, ch, preamble, seq, options[0], options[1]);
      flow.countAsGuestOpened();
      flow.connection.startPassiveOpen();
      flow.pump.connect(target);
    } catch (IOException e) {
      LOG.debug("cannot open a host socket for {}: {}", probe, e.toString());
      closeQuietly(ch);
      write(link, mac, TcpResets.forRefusedSyn(src, srcPort, dst, dstPort, seq));
    }
  }

  /**
   * Where a guest connection to {@code dst:dstPort} goes on the host: a gateway service's socket
   * (DNS over TCP among them), or the destination itself (the host alias mapped to loopback). Null
   * when it may not go anywhere.
   */
  private SocketAddress targetFor(int dst, int dstPort) {
    if (dst == net.gatewayIp()) {
      return services.apply(dstPort);
    }
    return context.allowed(
        new InetSocketAddress(NetworkConfig.fromInt(net.hostAddressFor(dst)), dstPort));
  }

  /**
   * The PROXY protocol v1 line that tells a gateway service who called: it listens on a unix
   * socket, which carries no peer address.
   */
  static byte[] proxyLine(int src, int srcPort, int dst, int dstPort) {
    return ("PROXY TCP4 "
            + Packets.ipToString(src)
            + " "
            + Packets.ipToString(dst)
            + " "
            + srcPort
            + " "
            + dstPort
            + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Opens a connection from the gateway to {@code guestIp:guestPort} for {@code host}, an already
   * connected host socket (an inbound forward); {@code initialToGuest} is sent first. The guest
   * sees the gateway's address and an ephemeral port.
   */
  void connectToGuest(SocketChannel host, int guestIp, int guestPort, ByteBuffer initialToGuest)
      throws IOException {
    Neighbors.Neighbor guest = neighbors.neighbor(guestIp);
    if (guest == null) {
      throw new IOException(
          "no guest has address " + Packets.ipToString(guestIp) + " on the network");
    }
    int port =
        ephemeralPorts.take(
            p -> {
              TcpFlow f = flows.get(probe.set(guestIp, guestPort, net.gatewayIp(), p));
              return f == null
                  ? EphemeralPorts.Use.FREE
                  : f.connection.isFinished()
                      ? EphemeralPorts.Use.TIME_WAIT
                      : EphemeralPorts.Use.BUSY;
            });
    if (port < 0) {
      throw new IOException(
          "every ephemeral port to "
              + Packets.ipToString(guestIp)
              + ":"
              + guestPort
              + " is in use");
    }
    TcpFlow inTimeWait = flows.get(probe.set(guestIp, guestPort, net.gatewayIp(), port));
    if (inTimeWait != null) {
      LOG.debug("{}: no free port, ending TIME-WAIT early for a new connection", inTimeWait.key());
      inTimeWait.connection.discard();
    }
    FlowKey key = probe.set(guestIp, guestPort, net.gatewayIp(), port).copy();
    host.configureBlocking(false);
    if (host.getLocalAddress() instanceof InetSocketAddress) {
      host.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
    TcpFlow flow = newFlow(key, guest.link(), guest.mac(), host, null, 0, 536, 0);
    if (!flow.pump.adopt(initialToGuest)) {
      flow.connection.abort(false);
      return;
    }
    flow.connection.startActiveOpen();
  }

  static void closeQuietly(SocketChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        LOG.debug("closing host socket", e);
      }
    }
  }

  private TcpFlow newFlow(
      FlowKey key,
      StreamLink link,
      long mac,
      SocketChannel host,
      byte[] preamble,
      int guestIsn,
      int guestMss,
      int guestShift) {
    HostSocketPump pump = new HostSocketPump(this, toHostBuffers, toGuestBuffers, host, preamble);
    TcpFlow flow = new TcpFlow(this, link, mac, pump);
    TcpConnection connection =
        new TcpConnection(key, pump, flow, context::now, net.mtu(), guestIsn, guestMss, guestShift);
    flow.connection = connection;
    pump.attach(connection);
    flows.put(key, flow);
    return flow;
  }

  void remove(TcpFlow flow) {
    flows.remove(flow.key());
  }

  /**
   * Writes {@code segment} to the guest at {@code mac} on {@code link}; false when the output is
   * full.
   */
  boolean write(StreamLink link, long mac, TcpSegment segment) {
    return segment.writeTo(link, mac, net.gatewayMac());
  }

  /** The output of {@code link} has room again: the flows that found it full send now. */
  void resume(StreamLink link) {
    TcpFlow f;
    while ((f = link.waiting.poll()) != null) {
      f.waiting = false;
      schedule(f);
    }
  }

  /** Lets {@code flow} send and acknowledge at the end of this loop iteration. */
  void schedule(TcpFlow flow) {
    if (!flow.scheduled) {
      flow.scheduled = true;
      scheduled.add(flow);
    }
  }

  void afterEvents() {
    TcpFlow f;
    while ((f = scheduled.poll()) != null) {
      f.scheduled = false;
      f.connection.pump();
    }
  }

  void onTick(long now) {
    tickScratch.addAll(flows.values());
    for (TcpFlow f : tickScratch) {
      f.connection.onTick(now);
    }
    tickScratch.clear();
  }

  void onLinkClosed(StreamLink link) {
    for (TcpFlow f : new ArrayList<>(flows.values())) {
      if (f.link == link) {
        f.connection.abort(false);
      }
    }
  }

  void closeAll() {
    for (TcpFlow f : new ArrayList<>(flows.values())) {
      f.connection.abort(false);
    }
  }
}
