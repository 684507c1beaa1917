package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.ETH_HEADER;
import static dev.berth.net.stack.Packets.IP_HEADER;
import static dev.berth.net.stack.Packets.UDP_HEADER;

import dev.berth.net.config.NetworkConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/** The {@link StackContext} of a stack run by one {@link EventLoop}. */
final class LoopContext implements StackContext {

  private final EventLoop loop;
  private final NetworkConfig config;
  private final Addressing addresses;
  private final Stats stats = new Stats();

  LoopContext(EventLoop loop, NetworkConfig config) {
    this.loop = loop;
    this.config = config;
    this.addresses = Addressing.of(config);
  }

  @Override
  public Addressing addresses() {
    return addresses;
  }

  @Override
  public NetworkConfig config() {
    return config;
  }

  @Override
  public Stats stats() {
    return stats;
  }

  @Override
  public long now() {
    return loop.now();
  }

  @Override
  public SelectionKey register(SelectableChannel channel, int ops, EventLoop.Handler handler)
      throws IOException {
    return loop.register(channel, ops, handler);
  }

  @Override
  public InetSocketAddress allowed(InetSocketAddress target) {
    return target == null || target.isUnresolved() || !config.outboundAllowed().test(target)
        ? null
        : target;
  }

  @Override
  public boolean sendUdp(
      StreamLink link,
      long dstMac,
      int srcIp,
      int srcPort,
      int dstIp,
      int dstPort,
      ByteBuffer payload,
      int payloadIndex,
      int payloadLen) {
    int ipLen = IP_HEADER + UDP_HEADER + payloadLen;
    if (ipLen > addresses.mtu()) {
      stats.framesDroppedOutput++;
      return false;
    }
    int frameLen = ETH_HEADER + ipLen;
    int f = link.reserve(frameLen);
    if (f < 0) {
      stats.framesDroppedOutput++;
      return false;
    }
    ByteBuffer o = link.out();
    Packets.putEthernet(o, f, dstMac, addresses.gatewayMac(), Packets.ETHERTYPE_IPV4);
    Packets.putIpv4(o, f + ETH_HEADER, ipLen, Packets.PROTO_UDP, srcIp, dstIp);
    int u = f + ETH_HEADER + IP_HEADER;
    o.put(u + UDP_HEADER, payload, payloadIndex, payloadLen);
    Packets.putUdp(o, u, srcIp, dstIp, srcPort, dstPort, payloadLen);
    link.commit(frameLen);
    return true;
  }
}
