package dev.berth.net.stack;

import dev.berth.net.config.DnsZone;
import dev.berth.net.config.Framing;
import dev.berth.net.config.MacAddress;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.log.LogRate;
import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The stack as the rest of berth-net sees it: builds the switch, the gateway's endpoint and its
 * services, and answers for them. Runs on the event loop only.
 */
public final class Gateway implements EventLoop.Participant {

  /**
   * MAC addresses the switch and the address table remember: a guest sending from millions of
   * spoofed sources makes the oldest be forgotten (and learnt again when they speak), not memory
   * grow.
   */
  public static final int MAX_MACS = 1024;

  private final EventLoop loop;
  private final StackContext context;
  private final EthernetSwitch ethernet;
  private final Neighbors neighbors;
  private final TcpNat tcp;
  private final UdpNat udp;
  private final DhcpServer dhcp;
  private final DnsServer dns;
  private final DnsTcpService dnsTcp;
  private final InboundForwards inbound;

  /** Gateway ports served on the host by an in-process service listening on a unix socket. */
  private final Map<Integer, SocketAddress> services = new HashMap<>();

  public Gateway(EventLoop loop, NetworkConfig config) throws IOException {
    this.loop = loop;
    this.context = new LoopContext(loop, config);
    LogRate learnedLog = new LogRate();
    this.ethernet = new EthernetSwitch(context, learnedLog);
    this.dhcp = new DhcpServer(context);
    this.neighbors = new Neighbors(ethernet, dhcp, learnedLog);
    this.tcp = new TcpNat(context, neighbors, services::get);
    this.udp =
        new UdpNat(
            context,
            new UdpNat.Resolvers() {
              @Override
              public InetSocketAddress current() {
                return dns.upstream();
              }

              @Override
              public void timedOut(InetSocketAddress server) {
                dns.upstreamTimedOut(server);
              }
            });
    this.dns = new DnsServer(context, udp);
    this.dnsTcp = new DnsTcpService(context, dns);
    services.put(DnsServer.PORT, dnsTcp.address());
    this.inbound = new InboundForwards(context, neighbors, tcp);
    GatewayEndpoint endpoint =
        new GatewayEndpoint(context, neighbors, tcp, udp, dhcp, dns, inbound);
    ethernet.connect(
        new EthernetSwitch.Gateway() {
          @Override
          public void onFrame(StreamLink from, long srcMac, ByteBuffer b, int off, int len) {
            endpoint.onFrame(from, srcMac, b, off, len);
          }

          @Override
          public void onOutputRoom(StreamLink link) {
            tcp.resume(link);
          }

          @Override
          public void onLinkClosed(StreamLink link) {
            tcp.onLinkClosed(link);
            udp.onLinkClosed(link);
          }
        });
  }

  /** How many MAC addresses the switch remembers now. */
  public int knownMacs() {
    return ethernet.knownMacs();
  }

  /**
   * Serves guest connections to the gateway's {@code port} with the service listening on {@code
   * socket}.
   */
  public void serve(int port, UnixDomainSocketAddress socket) {
    services.put(port, socket);
  }

  /**
   * Carries each connection {@code listener} accepts to {@code guestIp:guestPort}; closing the
   * handle stops it.
   */
  public Closeable forwardTcp(ServerSocketChannel listener, Inet4Address guestIp, int guestPort)
      throws IOException {
    return forwardTcp(listener, guestIp, guestPort, peer -> true);
  }

  /**
   * As {@link #forwardTcp(ServerSocketChannel, Inet4Address, int)}; a peer {@code peerAllowed}
   * refuses is closed at once.
   */
  public Closeable forwardTcp(
      ServerSocketChannel listener,
      Inet4Address guestIp,
      int guestPort,
      Predicate<InetSocketAddress> peerAllowed)
      throws IOException {
    return inbound.tcp(listener, NetworkConfig.toInt(guestIp), guestPort, peerAllowed);
  }

  /**
   * Carries each datagram {@code listener} receives to {@code guestIp:guestPort}, and the replies
   * back.
   */
  public Closeable forwardUdp(DatagramChannel listener, Inet4Address guestIp, int guestPort)
      throws IOException {
    return forwardUdp(listener, guestIp, guestPort, peer -> true);
  }

  /**
   * As {@link #forwardUdp(DatagramChannel, Inet4Address, int)}; datagrams from a peer {@code
   * peerAllowed} refuses are dropped.
   */
  public Closeable forwardUdp(
      DatagramChannel listener,
      Inet4Address guestIp,
      int guestPort,
      Predicate<InetSocketAddress> peerAllowed)
      throws IOException {
    return inbound.udp(listener, NetworkConfig.toInt(guestIp), guestPort, peerAllowed);
  }

  /**
   * Joins {@code host}, a connected socket, to a new connection to {@code guestIp:guestPort};
   * {@code first} goes first.
   */
  public void connectToGuest(
      SocketChannel host, Inet4Address guestIp, int guestPort, ByteBuffer first)
      throws IOException {
    tcp.connectToGuest(host, NetworkConfig.toInt(guestIp), guestPort, first);
  }

  /** The DHCP leases, MAC to address. */
  public Map<MacAddress, Inet4Address> leases() {
    Map<MacAddress, Inet4Address> result = new LinkedHashMap<>();
    dhcp.leases().forEach((mac, ip) -> result.put(new MacAddress(mac), NetworkConfig.fromInt(ip)));
    return result;
  }

  public List<DnsZone> dnsZones() {
    return dns.zones();
  }

  /**
   * Adds a zone; one of the same name is replaced, its records kept after the new ones (as
   * gvproxy).
   */
  public void addDnsZone(DnsZone zone) {
    dns.addZone(zone);
  }

  public Stats stats() {
    return context.stats();
  }

  public int tcpFlowCount() {
    return tcp.flowCount();
  }

  public int udpFlowCount() {
    return udp.flowCount();
  }

  public int linkCount() {
    return ethernet.linkCount();
  }

  /** Attaches an accepted guest connection. */
  public void attach(SocketChannel channel, Framing framing) throws IOException {
    attach(channel, framing, null);
  }

  /** Attaches a guest connection whose first bytes were already read into {@code first}. */
  public void attach(SocketChannel channel, Framing framing, ByteBuffer first) throws IOException {
    ethernet.attach(loop, channel, framing, first);
  }

  /** Completes once a guest holds address {@code ip}; at once if one does. */
  public CompletableFuture<Void> guestWithAddress(Inet4Address ip) {
    return neighbors.guestWithAddress(ip);
  }

  public void closeAll() {
    ethernet.closeAll();
    tcp.closeAll();
    udp.closeAll();
    dnsTcp.close();
  }

  @Override
  public void afterEvents() {
    for (int round = 0; round < 4; round++) {
      tcp.afterEvents();
      if (!ethernet.flushDirty()) {
        return;
      }
    }
  }

  @Override
  public void onTick(long now) {
    tcp.onTick(now);
    udp.onTick(now);
    inbound.onTick(now);
    dnsTcp.onTick(now);
  }
}
