package dev.berth.net.stack;

import dev.berth.net.config.NetworkConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UDP NAT: one connected host datagram socket per guest flow, closed after it has been idle a
 * while.
 */
final class UdpNat {

  private static final Logger LOG = LoggerFactory.getLogger(UdpNat.class);
  static final int MAX_FLOWS = 4096;

  /**
   * A query to a resolver unanswered this long: the resolver is taken as down and the next one
   * asked.
   */
  static final long DNS_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(2);

  /** Where queries to the gateway's DNS go, and who hears that one went unanswered. */
  interface Resolvers {
    /** The resolver to ask now; null when none is known. */
    InetSocketAddress current();

    void timedOut(InetSocketAddress server);
  }

  private final StackContext context;
  private final Addressing net;

  /** The resolvers DNS queries the gateway does not answer go to. */
  private final Resolvers resolvers;

  private final Map<FlowKey, Flow> flows = new HashMap<>();
  private final FlowKey probe = new FlowKey();
  private final ByteBuffer scratch = ByteBuffer.allocateDirect(65536);
  private final long idleNanos;

  UdpNat(StackContext context, Resolvers resolvers) {
    this.context = context;
    this.net = context.addresses();
    this.resolvers = resolvers;
    this.idleNanos = context.config().udpIdleTimeout().toNanos();
  }

  int flowCount() {
    return flows.size();
  }

  /** A datagram from the guest to {@code dst:dstPort} (as the guest addressed it). */
  void onDatagram(
      StreamLink link,
      long mac,
      int src,
      int srcPort,
      int dst,
      int dstPort,
      ByteBuffer b,
      int payload,
      int len) {
    Flow flow = flows.get(probe.set(src, srcPort, dst, dstPort));
    InetSocketAddress resolver = dst == net.gatewayIp() ? resolvers.current() : null;
    if (flow != null && resolver != null && !resolver.equals(flow.resolver)) {
      flow.close(); // the resolvers changed, or the last one timed out: ask the one now chosen
      flow = null;
    }
    if (flow == null) {
      flow = open(link, mac, dst, dstPort, resolver);
      if (flow == null) {
        return;
      }
    }
    flow.lastActive = context.now();
    if (flow.resolver != null && !flow.awaitingAnswer) {
      flow.awaitingAnswer = true;
      flow.unansweredSince = flow.lastActive;
    }
    b.limit(payload + len).position(payload);
    try {
      flow.channel.write(b);
    } catch (PortUnreachableException e) {
      LOG.trace("{}: port unreachable", flow.key);
    } catch (IOException e) {
      LOG.debug("{}: send failed: {}", flow.key, e.toString());
    }
  }

  /** A flow to {@code dst:dstPort}, or to {@code resolver} for a query to the gateway's DNS. */
  private Flow open(StreamLink link, long mac, int dst, int dstPort, InetSocketAddress resolver) {
    InetSocketAddress target =
        context.allowed(
            dst == net.gatewayIp()
                ? resolver
                : new InetSocketAddress(NetworkConfig.fromInt(net.hostAddressFor(dst)), dstPort));
    if (target == null) {
      context.stats().framesDroppedInvalid++;
      return null;
    }
    if (flows.size() >= MAX_FLOWS) {
      evictOldest();
    }
    DatagramChannel ch = null;
    try {
      ch = DatagramChannel.open();
      ch.connect(target);
      Flow flow = new Flow(probe.copy(), link, mac, ch, dst == net.gatewayIp() ? resolver : null);
      flow.key(context.register(ch, SelectionKey.OP_READ, flow));
      flows.put(flow.key, flow);
      return flow;
    } catch (IOException e) {
      LOG.debug("cannot open a UDP socket to {}: {}", target, e.toString());
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ce) {
          LOG.debug("closing UDP socket", ce);
        }
      }
      return null;
    }
  }

  private void evictOldest() {
    Flow oldest = null;
    for (Flow f : flows.values()) {
      if (oldest == null || f.lastActive - oldest.lastActive < 0) {
        oldest = f;
      }
    }
    if (oldest != null) {
      oldest.close();
    }
  }

  void onTick(long now) {
    if (flows.isEmpty()) {
      return;
    }
    for (Flow f : new ArrayList<>(flows.values())) {
      if (f.awaitingAnswer && now - f.unansweredSince > DNS_TIMEOUT_NANOS) {
        resolvers.timedOut(f.resolver);
        f.close();
      } else if (now - f.lastActive > idleNanos) {
        f.close();
      }
    }
  }

  void onLinkClosed(StreamLink link) {
    for (Flow f : new ArrayList<>(flows.values())) {
      if (f.link == link) {
        f.close();
      }
    }
  }

  void closeAll() {
    for (Flow f : new ArrayList<>(flows.values())) {
      f.close();
    }
  }

  private final class Flow implements EventLoop.Handler {
    final FlowKey key;
    final StreamLink link;
    final long mac;
    final DatagramChannel channel;

    /** The resolver of a flow to the gateway's DNS; null for other flows. */
    final InetSocketAddress resolver;

    SelectionKey selectionKey;
    long lastActive;

    /** Whether a query to the resolver waits for its answer, and since when. */
    boolean awaitingAnswer;

    long unansweredSince;

    Flow(
        FlowKey key,
        StreamLink link,
        long mac,
        DatagramChannel channel,
        InetSocketAddress resolver) {
      this.key = key;
      this.link = link;
      this.mac = mac;
      this.channel = channel;
      this.resolver = resolver;
      this.lastActive = context.now();
    }

    void key(SelectionKey k) {
      selectionKey = k;
    }

    @Override
    public void onReady(SelectionKey k) throws IOException {
      for (int i = 0; i < 64; i++) {
        scratch.clear();
        int n;
        try {
          n = channel.read(scratch);
        } catch (PortUnreachableException e) {
          continue;
        }
        if (n <= 0) {
          return;
        }
        lastActive = context.now();
        awaitingAnswer = false;
        context.sendUdp(
            link, mac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort, scratch, 0, n);
      }
    }

    @Override
    public void onFailure(Exception e) {
      LOG.debug("{}: failed: {}", key, e.toString());
      close();
    }

    void close() {
      flows.remove(key);
      if (selectionKey != null) {
        selectionKey.cancel();
      }
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("closing UDP socket", e);
      }
    }
  }
}
